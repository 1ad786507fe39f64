/** Code lenses on a config's first line: Train, Validate, and Resume from the latest checkpoint. */
import { join } from 'node:path';
import type { CodeLens } from 'vscode-languageserver';
import { TrainingArgumentsSchema } from '../../../src/config/schema';
import { Commands } from '../../../src/protocol/commands';
import { checkpointStep, findCheckpoints } from '../../../src/trainer/checkpoint-folders';
import type { ServiceContext } from '../../context';
import type { FileAccess } from '../../files';
import { plainString, resolveFromConfig } from './plain';

/** The schema's default output_dir, where a config that sets none trains. */
const DEFAULT_OUTPUT_DIR: string = TrainingArgumentsSchema.properties.output_dir.default;

/** The newest complete checkpoint in `outputDir`, by the Trainer's own rule (it has trainer_state.json). */
export function latestCheckpoint(files: FileAccess, outputDir: string): { path: string; step: number } | undefined {
  const path = findCheckpoints(outputDir, {
    list: (dir) => files.listDirectory(dir),
    exists: (file) => files.stat(file) !== undefined,
    join,
  }).at(-1);
  const step = path === undefined ? undefined : checkpointStep(path);
  return path === undefined || step === undefined ? undefined : { path, step };
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
