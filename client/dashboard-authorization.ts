/**
 * What a dashboard message may touch, decided in one place. The webview is a web page: every
 * path and id it sends, and every path a run's metrics.jsonl records, is untrusted. A message
 * may only refer to runs the host listed, trainer configs found in the workspace (by their real
 * path, so a link out of the workspace does not count), that run's own checkpoints, and files
 * inside a workspace folder. No vscode import: the panel gathers the facts, tests pass their own.
 */
import { existsSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { isTrainerConfigPath } from '../src/protocol/config-files';
import { ADAPTER_CONFIG_FILE } from '../src/trainer/io/peft-names';
import type { ChartImage, RunSummary, WebviewToHostMessage } from '../src/protocol/webview';
import { listCheckpoints } from '../src/trainer/checkpoints';

/** What the decision needs to know about the file system (real disk in the panel). */
export interface FileFacts {
  /** The path with every link resolved, or undefined when it does not exist. */
  realPath(path: string): string | undefined;
  isFile(path: string): boolean;
  /** Complete checkpoints (with trainer_state.json) of a run folder. */
  checkpointsOf(outputDir: string): readonly string[];
}

export interface AuthorizationContext {
  /** Paths of the workspace folders. */
  workspaceFolders: readonly string[];
  /** The runs last listed to the webview, by id. */
  knownRuns: ReadonlyMap<string, RunSummary>;
  /** Trainer config files a workspace search found (only needed for start and resume). */
  workspaceConfigs: readonly string[];
  files: FileFacts;
}

/** What the host may do for a message, with the values it may use; or why it is refused. */
export type Authorization =
  | { action: 'ready' }
  | { action: 'rendered' }
  | { action: 'selectRuns'; runIds: string[] }
  | { action: 'configDiff'; runIds: [string, string] }
  | { action: 'open'; file: string; line: number; column: number }
  | { action: 'start'; configPath: string }
  | { action: 'startSlurm'; configPath: string }
  | { action: 'resume'; configPath: string; checkpoint?: string }
  | { action: 'stop'; runId: string }
  | { action: 'export'; runIds: string[]; charts: ChartImage[] }
  | { action: 'merge'; adapterDir: string }
  | { action: 'refuse'; reason: string };

export function nodeFileFacts(): FileFacts {
  return {
    realPath: (path) => {
      try {
        return realpathSync(path);
      } catch {
        return undefined;
      }
    },
    isFile: (path) => {
      try {
        return statSync(path).isFile();
      } catch {
        return false;
      }
    },
    checkpointsOf: (outputDir) => (existsSync(outputDir) ? listCheckpoints(outputDir) : []),
  };
}

/** Whether `path` (absolute) really lies inside one of the folders once links are resolved. */
export function isInsideWorkspace(path: string, context: Pick<AuthorizationContext, 'workspaceFolders' | 'files'>): boolean {
  if (!isAbsolute(path)) return false;
  const real = context.files.realPath(path);
  if (real === undefined) return false;
  return context.workspaceFolders.some((folder) => {
    const root = context.files.realPath(folder);
    if (root === undefined) return false;
    const rel = relative(root, real);
    return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
  });
}

/**
 * A trainer config the dashboard may start or resume: absolute, named like a config, listed by
 * the workspace search, and really inside a workspace folder. A run's recorded configPath gets
 * no trust of its own: it passes only when it is such a config.
 */
export function isWorkspaceConfig(configPath: string, context: AuthorizationContext): boolean {
  if (!isAbsolute(configPath) || !isTrainerConfigPath(configPath)) return false;
  if (resolve(configPath) !== configPath) return false; // `..` or `.` segments: not a path the search lists
  if (!context.workspaceConfigs.includes(configPath)) return false;
  return context.files.isFile(configPath) && isInsideWorkspace(configPath, context);
}

export function authorizeDashboardMessage(message: WebviewToHostMessage, context: AuthorizationContext): Authorization {
  const known = (id: string) => context.knownRuns.has(id);
  switch (message.type) {
    case 'ready':
    case 'rendered':
      return { action: message.type };
    case 'selectRuns':
      return { action: 'selectRuns', runIds: message.runIds.filter(known) };
    case 'requestConfigDiff':
      return message.runIds.every(known)
        ? { action: 'configDiff', runIds: message.runIds }
        : refuse(`config diff of runs the dashboard did not list (${message.runIds.join(', ')})`);
    case 'openLocation':
      return context.files.isFile(message.file) && isInsideWorkspace(message.file, context)
        ? { action: 'open', file: message.file, line: message.line, column: message.column }
        : refuse(`open ${message.file}, which is not a file of this workspace`);
    case 'command':
      return authorizeCommand(message, context);
    case 'exportRuns':
      // Only listed runs' metrics.jsonl are read; where the files go, the person picks in a dialog.
      return message.runIds.every(known)
        ? { action: 'export', runIds: message.runIds, charts: message.charts }
        : refuse(`export of runs the dashboard did not list (${message.runIds.join(', ')})`);
    case 'mergeAdapter':
      return authorizeMerge(message.runId, context);
  }
}

/** Only a listed run that completed, whose own folder (inside the workspace) holds a PEFT adapter. */
function authorizeMerge(runId: string, context: AuthorizationContext): Authorization {
  const run = context.knownRuns.get(runId);
  if (!run) return refuse(`merge of ${runId}, a run the dashboard did not list`);
  if (run.status !== 'completed') return refuse(`merge of ${run.id}, which has not completed (${run.status})`);
  const adapterConfig = join(run.outputDir, ADAPTER_CONFIG_FILE);
  if (!context.files.isFile(adapterConfig) || !isInsideWorkspace(adapterConfig, context)) {
    return refuse(`merge of ${run.id}, whose folder holds no LoRA adapter (${ADAPTER_CONFIG_FILE}) inside the workspace`);
  }
  return { action: 'merge', adapterDir: run.outputDir };
}

function authorizeCommand(message: Extract<WebviewToHostMessage, { type: 'command' }>, context: AuthorizationContext): Authorization {
  const run = message.runId !== undefined ? context.knownRuns.get(message.runId) : undefined;
  if (message.runId !== undefined && !run) return refuse(`${message.command} for ${message.runId}, a run the dashboard did not list`);
  if (message.command === 'stop') return run ? { action: 'stop', runId: run.id } : refuse('stop without a run');

  if (message.command === 'start' || message.command === 'startSlurm') {
    const configPath = message.configPath ?? run?.configPath;
    if (!configPath) return refuse(`${message.command} without a config`);
    return isWorkspaceConfig(configPath, context)
      ? { action: message.command, configPath }
      : refuse(`${message.command} for ${configPath}, which is not a trainer config of this workspace`);
  }

  // Resume: a checkpoint only with the run it belongs to, and only with that run's own config.
  if (run && message.configPath !== undefined && message.configPath !== run.configPath) {
    return refuse(`resume of ${run.id} with ${message.configPath}, which is not the config that run was started from (${run.configPath || 'none recorded'})`);
  }
  const configPath = run ? run.configPath : message.configPath;
  if (!configPath) return refuse(run ? `resume of ${run.id}, whose metrics.jsonl records no config` : 'resume without a config');
  if (!isWorkspaceConfig(configPath, context)) return refuse(`resume for ${configPath}, which is not a trainer config of this workspace`);
  if (message.checkpoint === undefined) return { action: 'resume', configPath };
  if (!run) return refuse(`resume from ${message.checkpoint} without the run it belongs to`);
  const checkpoint = message.checkpoint;
  if (!context.files.checkpointsOf(run.outputDir).includes(checkpoint) || !isInsideWorkspace(checkpoint, context)) {
    return refuse(`resume from ${checkpoint}, which is not a checkpoint of ${run.id}`);
  }
  return { action: 'resume', configPath, checkpoint };
}

function refuse(what: string): Authorization {
  return { action: 'refuse', reason: `Dashboard: ignored ${what}.` };
}
