/**
 * The trainer configs of the workspace, and which of them name a given module as `trainer`.
 * The folder scan is cached until files change; each config's facts are cached by its text.
 */
import { resolve } from 'node:path';
import { parseConfigText } from '../src/config/index';
import { isConfigFileName } from './document-kinds';
import type { FileAccess } from './files';
import { readColumns } from './services/config/data-columns';
import { plainNumber, plainString, resolveFromConfig } from './services/config/plain';
import { modelInputNames, type TrainerReference } from './services/override/references';

const SKIPPED = new Set(['node_modules', 'dist', 'out', 'build', 'coverage']);
const MAX_DEPTH = 8;
const MAX_ENTRIES = 20_000;

interface ConfigFacts {
  text: string;
  trainerPath?: string;
  reference: Omit<TrainerReference, 'columns'>;
  trainFile?: string;
  /** Columns of the train file, read on first use. */
  columns?: readonly string[];
}

export interface WorkspaceIndexOptions {
  files: FileAccess;
  roots: () => readonly string[];
  /** Paths of config documents open in the editor (they count even when outside the roots or unsaved). */
  openConfigs: () => readonly string[];
}

export class WorkspaceIndex {
  private scanned: string[] | undefined;
  private readonly facts = new Map<string, ConfigFacts>();

  constructor(private readonly options: WorkspaceIndexOptions) {}

  /** Forget the folder scan and cached facts (files were created, changed, deleted or renamed). */
  invalidate(): void {
    this.scanned = undefined;
    this.facts.clear();
  }

  configPaths(): string[] {
    this.scanned ??= this.scan();
    return [...new Set([...this.scanned, ...this.options.openConfigs()])];
  }

  /** Configs whose `trainer` resolves to `modulePath`. */
  referencesTo(modulePath: string): TrainerReference[] {
    const target = resolve(modulePath);
    const references: TrainerReference[] = [];
    for (const configPath of this.configPaths()) {
      const facts = this.factsOf(configPath);
      if (facts?.trainerPath !== target) continue;
      facts.columns ??= facts.trainFile ? readColumns(this.options.files, facts.trainFile) : [];
      references.push({ ...facts.reference, columns: facts.columns });
    }
    return references;
  }

  private factsOf(configPath: string): ConfigFacts | undefined {
    const text = this.options.files.readText(configPath);
    if (text === undefined) {
      this.facts.delete(configPath);
      return undefined;
    }
    const cached = this.facts.get(configPath);
    if (cached?.text === text) return cached;
    const parsed = parseConfigText(text, configPath);
    const trainer = plainString(parsed, ['trainer']);
    const trainFile = plainString(parsed, ['data', 'train_file']);
    const steps = plainNumber(parsed, ['training_args', 'gradient_accumulation_steps']);
    const facts: ConfigFacts = {
      text,
      ...(trainer ? { trainerPath: resolve(resolveFromConfig(configPath, trainer)) } : {}),
      ...(trainFile ? { trainFile: resolveFromConfig(configPath, trainFile) } : {}),
      reference: {
        configPath,
        gradientAccumulationSteps: steps !== undefined && steps >= 1 ? Math.floor(steps) : 1,
        inputNames: modelInputNames(plainString(parsed, ['model', 'architecture'])),
      },
    };
    this.facts.set(configPath, facts);
    return facts;
  }

  private scan(): string[] {
    const found: string[] = [];
    let budget = MAX_ENTRIES;
    const queue: { dir: string; depth: number }[] = this.options.roots().map((dir) => ({ dir, depth: 0 }));
    while (queue.length > 0 && budget > 0) {
      const { dir, depth } = queue.shift() as { dir: string; depth: number };
      for (const entry of this.options.files.listDirectory(dir) ?? []) {
        if (--budget <= 0) break;
        if (entry.name.startsWith('.')) continue;
        const path = resolve(dir, entry.name);
        if (entry.isDirectory) {
          if (depth < MAX_DEPTH && !SKIPPED.has(entry.name) && !entry.name.startsWith('checkpoint-')) queue.push({ dir: path, depth: depth + 1 });
        } else if (isConfigFileName(entry.name)) {
          found.push(path);
        }
      }
    }
    return found.sort();
  }
}
