/**
 * Checks one computeLoss override against the Trainer's contract
 * `computeLoss(model, inputs, returnOutputs?, numItemsInBatch?)`.
 */
import ts from 'typescript';
import { ACCEPTS_LOSS_KWARGS, resolveLossContract, UNDECLARED_ADVICE } from '../../../src/trainer/loss-contract';
import { canCompleteNormally, emptyReturns } from './flow';
import { findTensorLeaks } from './leaks';
import type { ComputeLossSite } from './sites';
import { readsArguments, readsLabels, referencesTo, bindingKeys } from './usage';

export const OVERRIDE_CODES = {
  signature: 'FTS801',
  returnOutputs: 'FTS802',
  numItemsInBatch: 'FTS803',
  labels: 'FTS804',
  missingReturn: 'FTS805',
  tensorLeak: 'FTS806',
} as const;

export const EXPECTED_PARAMETERS = ['model', 'inputs', 'returnOutputs', 'numItemsInBatch'] as const;
/** A module's exported computeLoss is HF's compute_loss_func: the Trainer calls it as (outputs, labels, numItemsInBatch). */
export const FUNCTION_PARAMETERS = ['outputs', 'labels', 'numItemsInBatch'] as const;

export interface OverrideProblem {
  start: number;
  end: number;
  severity: 'error' | 'warning';
  code: string;
  message: string;
}

/** Gradient accumulation of a config that uses this file as its trainer. */
export interface AccumulationContext {
  steps: number;
  /** The config's file name, for the message. */
  configName: string;
}

export interface CheckOptions {
  accumulation?: AccumulationContext;
  tfNames: ReadonlySet<string>;
}

/** `returnOutputs`, `return_outputs` and `returnoutputs` are one name. */
function normalise(name: string): string {
  return name.replaceAll('_', '').toLowerCase();
}

/** From the name of the override to the `)` closing its parameters: where signature problems go. */
export function signatureSpan(site: ComputeLossSite, sf: ts.SourceFile): { start: number; end: number } {
  const fn = site.fn;
  const closeParen = fn.getChildren(sf).find((c) => c.kind === ts.SyntaxKind.CloseParenToken);
  const start = site.name.getStart(sf);
  const end = closeParen ? closeParen.end : fn.parameters.end;
  return { start, end: Math.max(start, end) };
}

const PRIMITIVE_KEYWORDS = new Map<ts.SyntaxKind, string>([
  [ts.SyntaxKind.NumberKeyword, 'number'],
  [ts.SyntaxKind.StringKeyword, 'string'],
  [ts.SyntaxKind.BooleanKeyword, 'boolean'],
  [ts.SyntaxKind.BigIntKeyword, 'bigint'],
  [ts.SyntaxKind.SymbolKeyword, 'symbol'],
  [ts.SyntaxKind.VoidKeyword, 'void'],
  [ts.SyntaxKind.NeverKeyword, 'never'],
]);

/** The primitive kinds a type annotation certainly denotes, or undefined when it may be anything (a type reference, any, unknown). */
function primitiveKinds(type: ts.TypeNode): Set<string> | undefined {
  if (ts.isParenthesizedTypeNode(type)) return primitiveKinds(type.type);
  if (ts.isUnionTypeNode(type)) {
    const all = new Set<string>();
    for (const member of type.types) {
      const kinds = primitiveKinds(member);
      if (!kinds) return undefined;
      for (const k of kinds) all.add(k);
    }
    return all;
  }
  const keyword = PRIMITIVE_KEYWORDS.get(type.kind);
  if (keyword) return new Set([keyword]);
  if (type.kind === ts.SyntaxKind.UndefinedKeyword) return new Set(['undefined']);
  if (ts.isLiteralTypeNode(type)) {
    const literal = type.literal;
    if (literal.kind === ts.SyntaxKind.TrueKeyword || literal.kind === ts.SyntaxKind.FalseKeyword) return new Set(['boolean']);
    if (ts.isNumericLiteral(literal)) return new Set(['number']);
    if (ts.isStringLiteral(literal)) return new Set(['string']);
    if (literal.kind === ts.SyntaxKind.NullKeyword) return new Set(['null']);
    return undefined;
  }
  if (ts.isArrayTypeNode(type) || ts.isTupleTypeNode(type)) return new Set(['array']);
  return undefined;
}

/** What a parameter at each position may be declared as; a type outside it conflicts with the Trainer's call. */
const ALLOWED_KINDS: readonly (ReadonlySet<string> | undefined)[] = [
  undefined, // model: an object; any primitive conflicts
  undefined, // inputs: a record of tensors; any primitive conflicts
  new Set(['boolean', 'undefined']),
  new Set(['number', 'undefined']),
];
const DESCRIBED_TYPES = ['a model', 'a record of named tensors (`Inputs`)', '`boolean`', '`number | undefined`'];
const FUNCTION_ALLOWED_KINDS: readonly (ReadonlySet<string> | undefined)[] = [undefined, undefined, new Set(['number', 'undefined'])];
const FUNCTION_DESCRIBED_TYPES = ['the model outputs (`ModelOutput`)', 'the labels tensor', '`number | undefined`'];

/** The parameter contract a site is called with. */
interface ParameterContract {
  names: readonly string[];
  allowed: readonly (ReadonlySet<string> | undefined)[];
  described: readonly string[];
}
const METHOD_CONTRACT: ParameterContract = { names: EXPECTED_PARAMETERS, allowed: ALLOWED_KINDS, described: DESCRIBED_TYPES };
const FUNCTION_PARAMETER_CONTRACT: ParameterContract = { names: FUNCTION_PARAMETERS, allowed: FUNCTION_ALLOWED_KINDS, described: FUNCTION_DESCRIBED_TYPES };

function typeConflict(contract: ParameterContract, index: number, type: ts.TypeNode | undefined): boolean {
  if (!type) return false;
  const kinds = primitiveKinds(type);
  if (!kinds) return false;
  const allowed = contract.allowed[index];
  if (!allowed) return true; // model and inputs are objects: no primitive fits
  return [...kinds].some((k) => !allowed.has(k));
}

function checkSignature(site: ComputeLossSite, sf: ts.SourceFile, contract: ParameterContract, problems: OverrideProblem[]): void {
  const params = site.fn.parameters.filter((p) => !(ts.isIdentifier(p.name) && p.name.text === 'this'));
  const expected = contract.names;
  const order = expected.join(', ');
  params.forEach((param, index) => {
    const span = { start: param.getStart(sf), end: param.end };
    if (param.dotDotDotToken) return;
    if (index >= expected.length) {
      if (!param.questionToken && !param.initializer) {
        problems.push({
          ...span,
          severity: 'error',
          code: OVERRIDE_CODES.signature,
          message: `computeLoss is called with at most ${expected.length} arguments (${order}); the required parameter \`${param.name.getText(sf)}\` would always be undefined.`,
        });
      }
      return;
    }
    if (ts.isIdentifier(param.name)) {
      const misplaced = expected.map(normalise).indexOf(normalise(param.name.text));
      if (misplaced >= 0 && misplaced !== index) {
        problems.push({
          ...span,
          severity: 'error',
          code: OVERRIDE_CODES.signature,
          message: `\`${param.name.text}\` is parameter ${index + 1} here, but the Trainer passes ${expected[misplaced]} as argument ${misplaced + 1}: the order is (${order}).`,
        });
        return;
      }
    }
    if (typeConflict(contract, index, param.type)) {
      problems.push({
        start: param.type ? param.type.getStart(sf) : span.start,
        end: param.type ? param.type.end : span.end,
        severity: 'error',
        code: OVERRIDE_CODES.signature,
        message: `Parameter ${index + 1} of computeLoss receives ${contract.described[index]} (${expected[index]}), which conflicts with the declared type \`${param.type?.getText(sf)}\`.`,
      });
    }
  });
}

/** Whether parameter `index` exists as a plain name and is read; `rest` parameters read everything. */
function parameterState(params: readonly ts.ParameterDeclaration[], index: number, body: ts.Node): 'missing' | 'unread' | 'read' {
  for (let i = 0; i <= index && i < params.length; i++) if (params[i].dotDotDotToken) return 'read';
  const param = params[index];
  if (!param) return 'missing';
  if (!ts.isIdentifier(param.name)) return 'read';
  return referencesTo(body, param.name.text).length > 0 ? 'read' : 'unread';
}

export function checkComputeLoss(site: ComputeLossSite, sf: ts.SourceFile, options: CheckOptions): OverrideProblem[] {
  const problems: OverrideProblem[] = [];
  const fn = site.fn;
  const body = fn.body;
  if (!body) return problems;
  const signature = signatureSpan(site, sf);
  const params = fn.parameters.filter((p) => !(ts.isIdentifier(p.name) && p.name.text === 'this'));
  const readsAll = readsArguments(body);

  const isFunction = site.moduleFunction === true;
  checkSignature(site, sf, isFunction ? FUNCTION_PARAMETER_CONTRACT : METHOD_CONTRACT, problems);

  // returnOutputs: evaluation asks for [loss, outputs] (a compute_loss_func has no such parameter).
  const returnOutputs = readsAll || isFunction ? 'read' : parameterState(params, 2, body);
  if (returnOutputs === 'missing') {
    problems.push({
      ...signature,
      severity: 'warning',
      code: OVERRIDE_CODES.returnOutputs,
      message: 'computeLoss has no `returnOutputs` parameter: evaluation calls computeLoss(model, inputs, true) and needs `[loss, outputs]` back to compute metrics.',
    });
  } else if (returnOutputs === 'unread') {
    const param = params[2];
    problems.push({
      start: param.name.getStart(sf),
      end: param.name.end,
      severity: 'warning',
      code: OVERRIDE_CODES.returnOutputs,
      message: '`returnOutputs` is never read: when it is true (evaluation), return `[loss, outputs]` so metrics can be computed.',
    });
  }

  // numItemsInBatch: with accumulation, who divides is the Trainer's loss contract, decided as at run time.
  const accumulation = options.accumulation;
  if (accumulation && accumulation.steps > 1 && !readsAll && !site.contractUnknown) {
    const contract = resolveLossContract(site.contract);
    const state = parameterState(params, isFunction ? 2 : 3, body);
    const setting = `${accumulation.configName} sets training_args.gradient_accumulation_steps: ${accumulation.steps}`;
    if (contract.normalisesByItems && state !== 'read') {
      const what = state === 'missing' ? 'computeLoss has no `numItemsInBatch` parameter' : '`numItemsInBatch` is never read';
      const advice =
        site.contract.source === 'function'
          ? 'As HF\'s compute_loss_func, a module\'s computeLoss function is never rescaled by the Trainer: sum the per-item losses and divide by numItemsInBatch (the label count of the whole optimizer step).'
          : `${contract.declared ? `\`static ${ACCEPTS_LOSS_KWARGS} = true\` says` : `Without \`static ${ACCEPTS_LOSS_KWARGS}\` the Trainer assumes (as HF's model_accepts_loss_kwargs)`} that computeLoss divides by numItemsInBatch, so the loss is not rescaled: ${UNDECLARED_ADVICE}.`;
      problems.push({ ...signature, severity: 'warning', code: OVERRIDE_CODES.numItemsInBatch, message: `${what}, but ${setting}. ${advice}` });
    } else if (!contract.normalisesByItems && state === 'read') {
      problems.push({
        ...signature,
        severity: 'warning',
        code: OVERRIDE_CODES.numItemsInBatch,
        message: `\`static ${ACCEPTS_LOSS_KWARGS} = false\` makes the Trainer divide each micro-batch loss by their count, and ${setting}: a loss already divided by numItemsInBatch is scaled down twice. Remove the declaration, or return a per-micro-batch mean.`,
      });
    }
  }

  // labels: a loss that never looks at the targets is almost certainly a bug.
  const inputs = params[1];
  if (isFunction) {
    if (!readsAll && parameterState(params, 1, body) !== 'read') {
      problems.push({
        ...(inputs ? { start: inputs.name.getStart(sf), end: inputs.name.end } : signature),
        severity: 'warning',
        code: OVERRIDE_CODES.labels,
        message: 'The `labels` parameter (argument 2 of a computeLoss function, as HF\'s compute_loss_func(outputs, labels, numItemsInBatch)) is never read: the loss does not depend on the targets.',
      });
    }
  } else if (!readsAll && !params.slice(0, 2).some((p) => p.dotDotDotToken)) {
    if (!inputs) {
      problems.push({
        ...signature,
        severity: 'warning',
        code: OVERRIDE_CODES.labels,
        message: 'computeLoss has no `inputs` parameter, so the loss never reads `labels`.',
      });
    } else {
      const labelsRead = ts.isIdentifier(inputs.name)
        ? readsLabels(body, inputs.name.text)
        : ts.isObjectBindingPattern(inputs.name)
          ? (({ keys, rest }) => keys.has('labels') || rest)(bindingKeys(inputs.name))
          : true;
      if (!labelsRead) {
        problems.push({
          start: inputs.name.getStart(sf),
          end: inputs.name.end,
          severity: 'warning',
          code: OVERRIDE_CODES.labels,
          message: '`labels` is never read from `inputs`: the loss does not depend on the targets.',
        });
      }
    }
  }

  // Every path must return the loss.
  if (ts.isBlock(body)) {
    for (const ret of emptyReturns(body)) {
      problems.push({
        start: ret.getStart(sf),
        end: ret.end,
        severity: 'warning',
        code: OVERRIDE_CODES.missingReturn,
        message: '`return;` returns no loss: computeLoss must return a scalar loss tensor (or `[loss, outputs]`).',
      });
    }
    if (!ts.getModifiers(fn)?.some((m) => m.kind === ts.SyntaxKind.AbstractKeyword) && canCompleteNormally(body)) {
      const closing = body.getLastToken(sf);
      problems.push({
        start: closing ? closing.getStart(sf) : signature.start,
        end: closing ? closing.end : signature.end,
        severity: 'warning',
        code: OVERRIDE_CODES.missingReturn,
        message: 'Not all code paths of computeLoss return a value: the end of the function is reachable, and the Trainer would get `undefined` instead of a loss.',
      });
    }
  }

  for (const leak of findTensorLeaks(body, options.tfNames)) {
    problems.push({
      start: leak.node.getStart(sf),
      end: leak.node.end,
      severity: 'warning',
      code: OVERRIDE_CODES.tensorLeak,
      message: leak.variable
        ? `The tensor \`${leak.variable}\` from \`${leak.op}\` is never used or disposed: it leaks memory unless created inside tf.tidy.`
        : `The tensor returned by \`${leak.op}\` is discarded without being disposed: it leaks memory unless created inside tf.tidy.`,
    });
  }
  return problems;
}
