/**
 * A small reachability analysis over statements: can control fall off the end of a function
 * body without a `return`? When unsure it answers "no", so the warning it feeds never fires
 * on code that is fine.
 */
import ts from 'typescript';

function isFunctionBoundary(node: ts.Node): boolean {
  return ts.isFunctionLike(node) || ts.isClassLike(node);
}

function isBreakableTarget(node: ts.Node): boolean {
  return ts.isIterationStatement(node, false) || ts.isSwitchStatement(node);
}

/** Whether `body` holds a break (or, for loops, continue) that leaves `target`. */
function breaksOut(target: ts.Statement, body: ts.Node, label: string | undefined, includeContinue: boolean): boolean {
  let found = false;
  const visit = (node: ts.Node, nestedTarget: boolean): void => {
    if (found || isFunctionBoundary(node)) return;
    if (ts.isBreakStatement(node) || (includeContinue && ts.isContinueStatement(node))) {
      if (node.label ? node.label.text === label : !nestedTarget) found = true;
      return;
    }
    const nested = nestedTarget || (node !== target && isBreakableTarget(node));
    ts.forEachChild(node, (child) => visit(child, nested));
  };
  visit(body, false);
  return found;
}

function isLiteralTrue(expression: ts.Expression | undefined): boolean {
  if (expression === undefined) return true; // `for (;;)`
  if (ts.isParenthesizedExpression(expression)) return isLiteralTrue(expression.expression);
  return expression.kind === ts.SyntaxKind.TrueKeyword || (ts.isNumericLiteral(expression) && Number(expression.text) !== 0);
}

function labelOf(statement: ts.Statement): string | undefined {
  return ts.isLabeledStatement(statement.parent) ? statement.parent.label.text : undefined;
}

/** Whether control can flow past `statement` to the one after it. */
export function canCompleteNormally(statement: ts.Statement): boolean {
  if (ts.isReturnStatement(statement) || ts.isThrowStatement(statement)) return false;
  if (ts.isBreakStatement(statement) || ts.isContinueStatement(statement)) return false;
  if (ts.isBlock(statement)) return statement.statements.every(canCompleteNormally);
  if (ts.isIfStatement(statement)) {
    return canCompleteNormally(statement.thenStatement) || statement.elseStatement === undefined || canCompleteNormally(statement.elseStatement);
  }
  if (ts.isWhileStatement(statement) || ts.isForStatement(statement)) {
    const condition = ts.isWhileStatement(statement) ? statement.expression : statement.condition;
    return !isLiteralTrue(condition) || breaksOut(statement, statement.statement, labelOf(statement), false);
  }
  if (ts.isDoStatement(statement)) {
    const label = labelOf(statement);
    if (isLiteralTrue(statement.expression)) return breaksOut(statement, statement.statement, label, false);
    return canCompleteNormally(statement.statement) || breaksOut(statement, statement.statement, label, true);
  }
  if (ts.isSwitchStatement(statement)) {
    const clauses = statement.caseBlock.clauses;
    const hasDefault = clauses.some(ts.isDefaultClause);
    const last = clauses[clauses.length - 1];
    return (
      !hasDefault ||
      breaksOut(statement, statement.caseBlock, labelOf(statement), false) ||
      last === undefined ||
      last.statements.every(canCompleteNormally)
    );
  }
  if (ts.isTryStatement(statement)) {
    if (statement.finallyBlock && !canCompleteNormally(statement.finallyBlock)) return false;
    const tryCompletes = canCompleteNormally(statement.tryBlock);
    const catchCompletes = statement.catchClause ? canCompleteNormally(statement.catchClause.block) : false;
    return tryCompletes || catchCompletes;
  }
  if (ts.isLabeledStatement(statement)) {
    return canCompleteNormally(statement.statement) || breaksOut(statement, statement.statement, statement.label.text, false);
  }
  return true;
}

/** `return;` statements of the function itself (not of nested functions). */
export function emptyReturns(body: ts.Node): ts.ReturnStatement[] {
  const found: ts.ReturnStatement[] = [];
  const visit = (node: ts.Node): void => {
    if (isFunctionBoundary(node)) return;
    if (ts.isReturnStatement(node) && node.expression === undefined) found.push(node);
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(body, visit);
  return found;
}
