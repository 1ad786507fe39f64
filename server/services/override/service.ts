/**
 * Editor features for computeLoss override files: diagnostics, completion of `inputs.` keys,
 * hover on `computeLoss`, and the "Train with this trainer" code lens. Pure: text in, LSP data out.
 */
import { basename } from 'node:path';
import ts from 'typescript';
import {
  CompletionItemKind,
  DiagnosticSeverity,
  InsertTextFormat,
  MarkupKind,
  type CodeLens,
  type CompletionItem,
  type Diagnostic,
  type Hover,
  type Position,
  type Range,
} from 'vscode-languageserver';
import { Commands } from '../../../src/protocol/commands';
import { pathToUri } from '../../uri';
import { checkComputeLoss } from './checks';
import type { TrainerReference } from './references';
import { collectImports, findComputeLossSites, parseSource, type ComputeLossSite, type ImportedNames } from './sites';

export interface OverrideSource {
  sf: ts.SourceFile;
  imports: ImportedNames;
  sites: ComputeLossSite[];
  references: readonly TrainerReference[];
}

/** Parses and locates the overrides once; every feature below reads the result. */
export function analyzeOverrideSource(text: string, fileName: string, references: readonly TrainerReference[]): OverrideSource {
  const sf = parseSource(text, fileName);
  const imports = collectImports(sf);
  return { sf, imports, sites: findComputeLossSites(sf, imports, references.length > 0), references };
}

function rangeOf(sf: ts.SourceFile, start: number, end: number): Range {
  return { start: sf.getLineAndCharacterOfPosition(start), end: sf.getLineAndCharacterOfPosition(end) };
}

function strongestAccumulation(references: readonly TrainerReference[]): { steps: number; configName: string } | undefined {
  let best: TrainerReference | undefined;
  for (const ref of references) if (!best || ref.gradientAccumulationSteps > best.gradientAccumulationSteps) best = ref;
  return best ? { steps: best.gradientAccumulationSteps, configName: basename(best.configPath) } : undefined;
}

export function overrideDiagnostics(source: OverrideSource): Diagnostic[] {
  const accumulation = strongestAccumulation(source.references);
  return source.sites.flatMap((site) =>
    checkComputeLoss(site, source.sf, { accumulation, tfNames: source.imports.tf }).map((p) => ({
      range: rangeOf(source.sf, p.start, p.end),
      severity: p.severity === 'error' ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
      code: p.code,
      source: 'finetune-studio',
      message: p.message,
    })),
  );
}

function isIdentifierChar(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 || code === 36;
}

interface MemberAccess {
  object: string;
  /** Start of the partly typed key. */
  keyStart: number;
  /** The quote of `inputs['`, when the access is by string key. */
  quote?: string;
}

/** Recognises `obj.` / `obj?.` / `obj['` / `obj["` right before the cursor (with a partly typed key). */
export function memberAccessBefore(text: string, offset: number): MemberAccess | undefined {
  let i = Math.min(offset, text.length);
  while (i > 0 && isIdentifierChar(text.charCodeAt(i - 1))) i--;
  const keyStart = i;
  let quote: string | undefined;
  let j = i;
  const skipSpaces = () => {
    while (j > 0 && (text[j - 1] === ' ' || text[j - 1] === '\t')) j--;
  };
  if (text[j - 1] === "'" || text[j - 1] === '"') {
    quote = text[j - 1];
    j--;
    skipSpaces();
    if (text[j - 1] !== '[') return undefined;
    j--;
  } else {
    skipSpaces();
    if (text[j - 1] !== '.') return undefined;
    j--;
    if (text[j - 1] === '?') j--;
  }
  skipSpaces();
  const objectEnd = j;
  while (j > 0 && isIdentifierChar(text.charCodeAt(j - 1))) j--;
  if (j === objectEnd) return undefined;
  return { object: text.slice(j, objectEnd), keyStart, quote };
}

/** Offset of an LSP position, clamped to the text (a stale or odd position never throws). */
function offsetOf(sf: ts.SourceFile, position: Position): number {
  const starts = sf.getLineStarts();
  const line = Math.max(0, Math.min(position.line, starts.length - 1));
  const lineEnd = line + 1 < starts.length ? starts[line + 1] - 1 : sf.text.length;
  return Math.max(starts[line], Math.min(starts[line] + Math.max(0, position.character), lineEnd));
}

function siteAt(source: OverrideSource, offset: number): ComputeLossSite | undefined {
  return source.sites.find((s) => s.fn.body !== undefined && offset > s.fn.body.getStart(source.sf) && offset <= s.fn.body.end);
}

const DEFAULT_INPUTS = ['input_ids', 'attention_mask', 'features'];

export function overrideCompletions(source: OverrideSource, position: Position): CompletionItem[] {
  const text = source.sf.text;
  const offset = offsetOf(source.sf, position);
  const site = siteAt(source, offset);
  const inputsParam = site?.fn.parameters.filter((p) => !(ts.isIdentifier(p.name) && p.name.text === 'this'))[1];
  if (!site || !inputsParam || !ts.isIdentifier(inputsParam.name)) return [];
  const access = memberAccessBefore(text, offset);
  if (!access || access.object !== inputsParam.name.text) return [];

  const items = new Map<string, CompletionItem>();
  const inputNames = source.references.length > 0 ? [...new Set(source.references.flatMap((r) => r.inputNames))] : DEFAULT_INPUTS;
  const range = rangeOf(source.sf, access.keyStart, offset);
  const closeQuote = access.quote !== undefined && text[offset] !== access.quote ? `${access.quote}]` : '';
  const add = (name: string, detail: string, doc: string, sort: string) => {
    if (items.has(name)) return;
    items.set(name, {
      label: name,
      kind: CompletionItemKind.Field,
      detail,
      documentation: { kind: MarkupKind.Markdown, value: doc },
      sortText: `${sort}${name}`,
      textEdit: { range, newText: name + closeQuote },
      insertTextFormat: InsertTextFormat.PlainText,
    });
  };
  add('labels', 'tf.Tensor — targets', 'The batch targets: class ids (classification) or values (regression).', '0');
  for (const name of inputNames) add(name, 'tf.Tensor — model input', `Fed to the model by the data pipeline (\`${name}\`).`, '1');
  for (const ref of source.references) {
    for (const column of ref.columns) add(column, `dataset column (${basename(ref.configPath)})`, `Column \`${column}\` of the training data.`, '2');
  }
  return [...items.values()];
}

export const COMPUTE_LOSS_CONTRACT = [
  '```ts',
  'computeLoss(model: TrainableModel, inputs: Inputs, returnOutputs = false, numItemsInBatch?: number)',
  '  : tf.Scalar | [tf.Scalar, ModelOutput]',
  '```',
  'Called by the Trainer for every micro-batch (as Hugging Face `Trainer.compute_loss`).',
  '',
  '- `inputs`: named tensors of the batch, `labels` among them; pass the rest to `model.forward`.',
  '- `returnOutputs`: true during evaluation; return `[loss, outputs]` so metrics can use the logits.',
  '- `numItemsInBatch`: label items in the whole optimizer step. With `gradient_accumulation_steps` > 1, sum the per-item losses and divide by it, or accumulated steps are mis-scaled.',
  '- `static acceptsLossKwargs = false` (HF\'s `model_accepts_loss_kwargs`): declare it when computeLoss returns a per-micro-batch mean instead; the Trainer then divides each micro-batch loss by their count.',
  '- Return a scalar loss tensor. Gradients are taken through it; intermediate tensors are freed by the step\'s `tf.tidy`.',
].join('\n');

export function overrideHover(source: OverrideSource, position: Position): Hover | undefined {
  const offset = offsetOf(source.sf, position);
  const site = source.sites.find((s) => offset >= s.name.getStart(source.sf) && offset <= s.name.end);
  if (!site) return undefined;
  return {
    contents: { kind: MarkupKind.Markdown, value: COMPUTE_LOSS_CONTRACT },
    range: rangeOf(source.sf, site.name.getStart(source.sf), site.name.end),
  };
}

export function overrideCodeLenses(source: OverrideSource): CodeLens[] {
  if (source.references.length !== 1 || source.sites.length === 0) return [];
  const configUri = pathToUri(source.references[0].configPath);
  const owners = new Set(source.sites.map((s) => s.owner));
  return [...owners].map((owner) => {
    const line = source.sf.getLineAndCharacterOfPosition(owner.getStart(source.sf)).line;
    const lens: CodeLens = {
      range: { start: { line, character: 0 }, end: { line, character: 0 } },
      command: {
        title: `▶ Train with this trainer (${basename(source.references[0].configPath)})`,
        command: Commands.startTraining,
        arguments: [configUri],
      },
    };
    return lens;
  });
}
