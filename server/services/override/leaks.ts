/**
 * Obvious tensor leaks in computeLoss: a tfjs op whose result is thrown away, or kept in a
 * variable that is never used again, outside any `tf.tidy`. Only known tensor-creating ops
 * count, so side-effect calls (`tf.dispose`, `tf.keep`, `tf.print`) are never flagged.
 */
import ts from 'typescript';
import { referencesTo } from './usage';

/** tfjs functions that always return a new tensor (the `tf.losses.*` family is added below). */
const TENSOR_OPS: ReadonlySet<string> = new Set([
  'tensor', 'scalar', 'tensor1d', 'tensor2d', 'tensor3d', 'tensor4d', 'zeros', 'ones', 'zerosLike', 'onesLike',
  'fill', 'range', 'linspace', 'eye', 'oneHot', 'add', 'sub', 'mul', 'div', 'divNoNan', 'floorDiv', 'pow',
  'exp', 'log', 'log1p', 'neg', 'abs', 'sqrt', 'square', 'squaredDifference', 'mean', 'sum', 'prod', 'max',
  'min', 'argMax', 'argMin', 'matMul', 'dot', 'softmax', 'logSoftmax', 'sigmoid', 'logSigmoid', 'relu', 'elu',
  'tanh', 'clipByValue', 'reshape', 'cast', 'concat', 'stack', 'gather', 'where', 'maximum', 'minimum',
  'equal', 'notEqual', 'greater', 'greaterEqual', 'less', 'lessEqual', 'logicalAnd', 'logicalOr', 'logicalNot',
  'squeeze', 'expandDims', 'transpose', 'slice', 'tile', 'pad', 'norm', 'randomNormal', 'randomUniform',
  'truncatedNormal', 'logSumExp', 'cumsum', 'sign', 'round', 'floor', 'ceil', 'reciprocal', 'addN',
]);

export interface TensorLeak {
  node: ts.Node;
  op: string;
  /** The variable holding the tensor, when there is one. */
  variable?: string;
}

/** `tf.op(...)` or `tf.losses.op(...)` on a tfjs namespace name: the op's dotted name, else undefined. */
export function tensorOpName(call: ts.CallExpression, tfNames: ReadonlySet<string>): string | undefined {
  const callee = call.expression;
  if (!ts.isPropertyAccessExpression(callee)) return undefined;
  const target = callee.expression;
  if (ts.isIdentifier(target) && tfNames.has(target.text) && TENSOR_OPS.has(callee.name.text)) return `${target.text}.${callee.name.text}`;
  if (
    ts.isPropertyAccessExpression(target) &&
    target.name.text === 'losses' &&
    ts.isIdentifier(target.expression) &&
    tfNames.has(target.expression.text)
  ) {
    return `${target.expression.text}.losses.${callee.name.text}`;
  }
  return undefined;
}

function isTidyCall(node: ts.Node, tfNames: ReadonlySet<string>): boolean {
  if (!ts.isCallExpression(node) || !ts.isPropertyAccessExpression(node.expression)) return false;
  const { expression, name } = node.expression;
  return name.text === 'tidy' && ts.isIdentifier(expression) && tfNames.has(expression.text);
}

function unwrap(expression: ts.Expression): ts.Expression {
  let e = expression;
  while (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isNonNullExpression(e) || ts.isSatisfiesExpression(e)) e = e.expression;
  return e;
}

/** Leaks in the function body, skipping nested functions (a tidy callback or helper manages its own). */
export function findTensorLeaks(body: ts.Node, tfNames: ReadonlySet<string>): TensorLeak[] {
  if (tfNames.size === 0) return [];
  const leaks: TensorLeak[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) || ts.isClassLike(node) || isTidyCall(node, tfNames)) return;
    if (ts.isExpressionStatement(node)) {
      const expression = unwrap(node.expression);
      const op = ts.isCallExpression(expression) ? tensorOpName(expression, tfNames) : undefined;
      if (op) leaks.push({ node: expression, op });
    }
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer) {
      const init = unwrap(node.initializer);
      const op = ts.isCallExpression(init) ? tensorOpName(init, tfNames) : undefined;
      if (op && referencesTo(body, node.name.text).length === 0) leaks.push({ node: node.name, op, variable: node.name.text });
    }
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(body, visit);
  return leaks;
}
