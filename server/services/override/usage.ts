/** Where a parameter is read inside a function, syntax only (no type checker). */
import ts from 'typescript';

/** Whether an identifier occurrence refers to a variable (rather than naming a property or declaring one). */
function isReference(node: ts.Identifier): boolean {
  const parent = node.parent;
  if (ts.isPropertyAccessExpression(parent) && parent.name === node) return false;
  if (ts.isQualifiedName(parent) && parent.right === node) return false;
  if (ts.isPropertyAssignment(parent) && parent.name === node) return false;
  if (ts.isBindingElement(parent) && parent.propertyName === node) return false;
  if ((ts.isVariableDeclaration(parent) || ts.isParameter(parent) || ts.isBindingElement(parent)) && parent.name === node) return false;
  if ((ts.isMethodDeclaration(parent) || ts.isPropertyDeclaration(parent) || ts.isFunctionDeclaration(parent)) && parent.name === node) return false;
  if (ts.isLabeledStatement(parent) || ts.isBreakStatement(parent) || ts.isContinueStatement(parent)) return false;
  if (ts.isTypeReferenceNode(parent)) return false;
  return true;
}

/** Identifier references to `name` anywhere under `root`, nested closures included. */
export function referencesTo(root: ts.Node, name: string): ts.Identifier[] {
  const found: ts.Identifier[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && node.text === name && isReference(node)) found.push(node);
    ts.forEachChild(node, visit);
  };
  visit(root);
  return found;
}

/** Whether the function body reads `arguments` (then every parameter counts as read). */
export function readsArguments(body: ts.Node): boolean {
  let found = false;
  const visit = (node: ts.Node): void => {
    if (found) return;
    // A nested non-arrow function has its own `arguments`.
    if ((ts.isFunctionDeclaration(node) || ts.isFunctionExpression(node) || ts.isMethodDeclaration(node)) && node !== body) return;
    if (ts.isIdentifier(node) && node.text === 'arguments' && isReference(node)) found = true;
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(body, visit);
  return found;
}

/** Property names a binding pattern takes; `rest` when it has a `...rest` element or a computed key. */
export function bindingKeys(pattern: ts.ObjectBindingPattern): { keys: Set<string>; rest: boolean } {
  const keys = new Set<string>();
  let rest = false;
  for (const element of pattern.elements) {
    if (element.dotDotDotToken) {
      rest = true;
      continue;
    }
    const key = element.propertyName ?? element.name;
    if (ts.isIdentifier(key) || ts.isStringLiteral(key)) keys.add(key.text);
    else rest = true; // computed key: could be anything
  }
  return { keys, rest };
}

/**
 * Whether `inputsName` (or the inputs binding pattern) reads the `labels` entry. Any use the
 * analysis cannot see through (passing `inputs` on, aliasing, spreading, dynamic keys) counts
 * as a read, so the warning fires only when labels are certainly ignored.
 */
export function readsLabels(body: ts.Node, inputsName: string): boolean {
  for (const ref of referencesTo(body, inputsName)) {
    const parent = ref.parent;
    if (ts.isPropertyAccessExpression(parent) && parent.expression === ref) {
      if (parent.name.text === 'labels') return true;
      continue;
    }
    if (ts.isElementAccessExpression(parent) && parent.expression === ref) {
      const arg = parent.argumentExpression;
      if (ts.isStringLiteralLike(arg)) {
        if (arg.text === 'labels') return true;
        continue;
      }
      return true;
    }
    if (ts.isVariableDeclaration(parent) && parent.initializer === ref && ts.isObjectBindingPattern(parent.name)) {
      const { keys, rest } = bindingKeys(parent.name);
      if (keys.has('labels') || rest) return true;
      continue;
    }
    if (ts.isTypeQueryNode(parent)) continue;
    return true;
  }
  return false;
}
