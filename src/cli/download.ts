/**
 * `finetune-studio download <id> [--revision R] [--offline] [--json]`: fetches what a fine-tune
 * needs of a Hub model into the Hugging Face cache Python uses (HF_HUB_CACHE / HF_HOME), with a
 * progress bar, and prints the snapshot folder. Unlike a run start, it asks the Hub where the
 * revision points now, so it also updates a cached `main`.
 */
import { downloadModel } from '../hub/download';
import { isHubError } from '../hub/errors';
import { downloadTimeoutMs } from '../hub/env';
import { formatBytes, formatProgressLine } from '../hub/format';
import { formatModelId, parseModelId } from '../hub/model-id';
import { hubOptionsFromEnv } from '../hub/options';

interface Output {
  write(text: string): boolean;
  isTTY?: boolean;
  columns?: number;
}

export interface DownloadCliOptions {
  id: string;
  revision?: string;
  offline: boolean;
  json: boolean;
}

export function parseDownloadArgs(argv: string[]): DownloadCliOptions | string {
  const options: Partial<DownloadCliOptions> & { offline: boolean; json: boolean } = { offline: false, json: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--offline') options.offline = true;
    else if (arg === '--json') options.json = true;
    else if (arg === '--revision' || arg.startsWith('--revision=')) {
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      if (!value) return '--revision needs a branch, tag or commit sha';
      options.revision = value;
    } else if (arg.startsWith('-')) return `unknown option '${arg}'`;
    else if (options.id === undefined) options.id = arg;
    else return `unexpected argument '${arg}' (one model id per call)`;
  }
  if (options.id === undefined) return 'usage: finetune-studio download <org/name[@revision]> [--revision R] [--offline] [--json]';
  return options as DownloadCliOptions;
}

export async function runDownload(argv: string[], out: Output = process.stdout, err: Output = process.stderr, env = process.env): Promise<number> {
  const options = parseDownloadArgs(argv);
  if (typeof options === 'string') {
    err.write(`finetune-studio download: ${options}\n`);
    return 2;
  }
  const parsed = parseModelId(options.id);
  if (typeof parsed === 'string') {
    err.write(`finetune-studio download: ${parsed}\n`);
    return 2;
  }
  const id = options.revision ? { ...parsed, revision: options.revision, explicitRevision: true } : parsed;
  const hub = hubOptionsFromEnv(env);
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  let lastDraw = 0;
  let drawn = false;
  try {
    const result = await downloadModel(id, {
      ...hub,
      offline: hub.offline || options.offline,
      refresh: true,
      idleTimeoutMs: downloadTimeoutMs(env),
      signal: abort.signal,
      onProgress: (p) => {
        const now = Date.now();
        if (options.json || !out.isTTY || (now - lastDraw < 100 && p.bytes < p.total)) return;
        lastDraw = now;
        drawn = true;
        out.write(`\r${formatProgressLine(p, (out.columns ?? 80) - 1)}`);
      },
    });
    if (drawn) out.write('\n');
    if (options.json) {
      out.write(`${JSON.stringify(result)}\n`);
    } else {
      const what = result.fromCache || result.downloaded.length === 0 ? 'Already in the cache' : `Downloaded ${result.downloaded.length} files (${formatBytes(result.bytes)})`;
      out.write(`${what}: ${formatModelId(id)} at commit ${result.commit.slice(0, 12)}\n${result.folder}\n`);
    }
    return 0;
  } catch (error) {
    if (drawn) out.write('\n');
    if (!isHubError(error)) throw error;
    err.write(`finetune-studio download: ${error.message}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
