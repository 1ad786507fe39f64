/**
 * Loads a user's trainer module (`trainer: ./my_trainer.ts`). It is compiled with esbuild at
 * run start, with `finetune-studio` and tfjs resolved to this running core's own instances, so
 * the user's folder needs no node_modules. Source maps turn errors in the compiled code back
 * into the user's file:line:column.
 */
import { existsSync } from 'node:fs';
import { createRequire, SourceMap, type SourceMapPayload } from 'node:module';
import { dirname, resolve } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { runInThisContext } from 'node:vm';
import type { SourceLocation } from '../protocol/events';
import type { TrainerCallback } from './callbacks';
import { TrainerError } from './errors';
import { ACCEPTS_LOSS_KWARGS } from './loss-contract';
import { Trainer, type ComputeLossFunc } from './trainer';
import type { ComputeMetrics } from './types';

/** Module specifiers that resolve to the running core rather than to files. */
export interface CoreModules {
  'finetune-studio': object;
  '@tensorflow/tfjs': object;
}

export interface TrainerModule {
  sourceFile: string;
  /** The default export, when it extends Trainer. */
  trainerClass?: typeof Trainer;
  /** An exported `computeLoss(outputs, labels, numItemsInBatch)`: HF's compute_loss_func. */
  computeLossFunc?: ComputeLossFunc;
  computeMetrics?: ComputeMetrics;
  callbacks?: TrainerCallback[];
  /** Maps an error thrown by the module's code to the user's source location. */
  locate(error: unknown): SourceLocation | undefined;
}

type EsbuildModule = typeof import('esbuild');

async function loadEsbuild(): Promise<EsbuildModule> {
  try {
    // A runtime require keeps esbuild (a native binary) out of the bundle.
    const requireHere = createRequire(__filename);
    return requireHere('esbuild') as EsbuildModule;
  } catch (error) {
    throw new TrainerError(
      `Custom trainer modules need the esbuild package, which could not be loaded (${(error as Error).message}). Reinstall Fine-Tune Studio.`,
    );
  }
}

export async function loadTrainerModule(file: string, core: CoreModules): Promise<TrainerModule> {
  const sourceFile = resolve(file);
  if (!existsSync(sourceFile)) {
    throw new TrainerError(`The trainer module ${sourceFile} does not exist. Fix the \`trainer\` path in the config.`);
  }
  const esbuild = await loadEsbuild();
  const virtualFile = `${sourceFile}.compiled.js`;
  let result: Awaited<ReturnType<EsbuildModule['build']>>;
  try {
    result = await esbuild.build({
      entryPoints: [sourceFile],
      bundle: true,
      write: false,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      sourcemap: 'external',
      outfile: virtualFile,
      logLevel: 'silent',
      external: Object.keys(core).flatMap((name) => [name, `${name}/*`]).concat(['@tensorflow/*']),
    });
  } catch (error) {
    const failure = error as { errors?: { text: string; location?: { file: string; line: number; column: number } | null }[] };
    const first = failure.errors?.[0];
    if (first) {
      const location = first.location
        ? { file: resolve(first.location.file), line: first.location.line, column: first.location.column + 1 }
        : undefined;
      throw new TrainerError(`Cannot compile the trainer module: ${first.text}`, location);
    }
    throw error;
  }
  const outputs = result.outputFiles ?? [];
  const code = outputs.find((f) => f.path.endsWith('.js'))?.text ?? '';
  const mapText = outputs.find((f) => f.path.endsWith('.map'))?.text;
  const sourceMap = mapText ? new SourceMap(JSON.parse(mapText) as SourceMapPayload) : undefined;
  const locate = (error: unknown) => locateInStack(error, virtualFile, sourceMap);

  const userRequire = createRequire(pathToFileURL(sourceFile));
  const moduleRequire = (specifier: string): unknown => {
    if (specifier in core) return core[specifier as keyof CoreModules];
    if (specifier.startsWith('@tensorflow/tfjs')) return core['@tensorflow/tfjs'];
    return userRequire(specifier);
  };
  const module = { exports: {} as Record<string, unknown> };
  try {
    // The wrapper's first line is its own; the compiled code starts on line 2 (see locateInStack).
    const wrapper = runInThisContext(`(function (exports, require, module, __filename, __dirname) {\n${code}\n})`, {
      filename: virtualFile,
    }) as (e: object, r: (s: string) => unknown, m: object, f: string, d: string) => void;
    wrapper(module.exports, moduleRequire, module, sourceFile, dirname(sourceFile));
  } catch (error) {
    throw new TrainerError(`The trainer module threw while loading: ${(error as Error).message}`, locate(error));
  }
  return inspectExports(sourceFile, module.exports, locate);
}

function inspectExports(
  sourceFile: string,
  exports: Record<string, unknown>,
  locate: (error: unknown) => SourceLocation | undefined,
): TrainerModule {
  const found: TrainerModule = { sourceFile, locate };
  const defaultExport = exports.default;
  if (typeof defaultExport === 'function' && defaultExport.prototype instanceof Trainer) {
    found.trainerClass = defaultExport as typeof Trainer;
    // The signature is the editor's to check (FTS801); here only the declared loss contract is.
    const declared: unknown = found.trainerClass.acceptsLossKwargs;
    if (declared !== undefined && typeof declared !== 'boolean') {
      throw new TrainerError(
        `${sourceFile}: static ${ACCEPTS_LOSS_KWARGS} must be true or false (it is ${typeof declared}): true when computeLoss divides by numItemsInBatch itself.`,
        { file: sourceFile, line: 1, column: 1 },
      );
    }
  } else if (defaultExport !== undefined && typeof defaultExport === 'function') {
    throw new TrainerError(
      `${sourceFile}: the default export is a function or class that does not extend Trainer. Write \`export default class MyTrainer extends Trainer\`, or export a \`computeLoss\` function instead.`,
      { file: sourceFile, line: 1, column: 1 },
    );
  }
  if (typeof exports.computeLoss === 'function') found.computeLossFunc = exports.computeLoss as ComputeLossFunc;
  if (typeof exports.computeMetrics === 'function') found.computeMetrics = exports.computeMetrics as ComputeMetrics;
  if (Array.isArray(exports.callbacks)) found.callbacks = exports.callbacks as TrainerCallback[];
  if (!found.trainerClass && !found.computeLossFunc) {
    throw new TrainerError(
      `${sourceFile} exports neither a default class extending Trainer nor a computeLoss function. Export one of them.`,
      { file: sourceFile, line: 1, column: 1 },
    );
  }
  return found;
}

/** The first stack frame inside the compiled module, mapped back to the user's source. */
export function locateInStack(error: unknown, virtualFile: string, sourceMap: SourceMap | undefined): SourceLocation | undefined {
  const stack = error instanceof Error ? (error.stack ?? '') : '';
  for (const line of stack.split('\n')) {
    const at = line.lastIndexOf(`${virtualFile}:`);
    if (at < 0) continue;
    const [lineText, columnText] = line.slice(at + virtualFile.length + 1).split(':');
    const generatedLine = Number.parseInt(lineText, 10) - 1; // the wrapper's own first line
    const generatedColumn = Number.parseInt(columnText, 10);
    if (!sourceMap || !Number.isFinite(generatedLine) || !Number.isFinite(generatedColumn)) continue;
    const entry = sourceMap.findEntry(generatedLine - 1, generatedColumn - 1) as {
      originalSource?: string;
      originalLine?: number;
      originalColumn?: number;
    };
    if (entry.originalSource === undefined || entry.originalLine === undefined) continue;
    const file = entry.originalSource.startsWith('file:')
      ? fileURLToPath(entry.originalSource)
      : resolve(dirname(virtualFile), entry.originalSource);
    return { file, line: entry.originalLine + 1, column: (entry.originalColumn ?? 0) + 1 };
  }
  return undefined;
}
