/** Code lenses on a config's first line: Train, Validate, and Resume from the latest checkpoint. */
import { join } from 'node:path';
import type { CodeLens } from 'vscode-languageserver';
import { Commands } from '../../../src/protocol/commands';
import type { ServiceContext } from '../../context';
import type { FileAccess } from '../../files';
import { plainString, resolveFromConfig } from './plain';

const DEFAULT_OUTPUT_DIR = 'trainer_output';

/** The `checkpoint-<step>` folder with the highest step in `outputDir`, if any. */
export function latestCheckpoint(files: FileAccess, outputDir: string): { path: string; step: number } | undefined {
  let best: { path: string; step: number } | undefined;
  for (const entry of files.listDirectory(outputDir) ?? []) {
    if (!entry.isDirectory || !entry.name.startsWith('checkpoint-')) continue;
    const digits = entry.name.slice('checkpoint-'.length);
    const step = digits.length > 0 && [...digits].every((c) => c >= '0' && c <= '9') ? Number(digits) : NaN;
    if (Number.isSafeInteger(step) && (!best || step > best.step)) best = { path: join(outputDir, entry.name), step };
  }
  return best;
}

export function configCodeLenses(text: string, fileName: string, uri: string, context: ServiceContext): CodeLens[] {
  const range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  const lenses: CodeLens[] = [
    { range, command: { title: '▶ Train', command: Commands.startTraining, arguments: [uri] } },
    { range, command: { title: 'Validate', command: Commands.validateConfig, arguments: [uri] } },
  ];
  const parsed = context.parseConfig(text, fileName);
  const outputDir = resolveFromConfig(fileName, plainString(parsed, ['training_args', 'output_dir']) ?? DEFAULT_OUTPUT_DIR);
  const checkpoint = latestCheckpoint(context.files, outputDir);
  if (checkpoint) {
    lenses.push({
      range,
      command: { title: `Resume from checkpoint-${checkpoint.step}`, command: Commands.resumeTraining, arguments: [uri, checkpoint.path] },
    });
  }
  return lenses;
}
