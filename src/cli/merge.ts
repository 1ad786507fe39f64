/**
 * `finetune-studio merge <adapter-folder> --out <folder> [--offline] [--json]`: PEFT's
 * merge_and_unload into a Hugging Face model folder that transformers loads without peft. The base
 * is the adapter's base_model_name_or_path: a folder (absolute, or relative to the adapter), or a
 * Hub id from the shared cache (downloaded unless offline).
 */
import { existsSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { downloadTimeoutMs } from '../hub/env';
import { hubOptionsFromEnv } from '../hub/options';
import { ensurePretrained } from '../hub/pretrained';
import { initBackend } from '../trainer/backends';
import { mergeAdapterFolder } from '../trainer/io/merge';
import { isAdapterFolder } from '../trainer/io/peft-files';

const USAGE = 'Usage: finetune-studio merge <adapter-folder> --out <folder> [--offline] [--json]\n';

interface MergeArgs {
  adapter: string;
  out: string;
  offline: boolean;
  json: boolean;
}

function parseArgs(argv: string[]): MergeArgs | string {
  const positional: string[] = [];
  let out: string | undefined;
  let offline = false;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const [flag, inline] = arg.startsWith('--') ? (arg.split(/=(.*)/s) as [string, string | undefined]) : [arg, undefined];
    if (flag === '--out') out = inline ?? argv[++i];
    else if (arg === '--offline') offline = true;
    else if (arg === '--json') json = true;
    else if (arg.startsWith('-')) return `unknown option '${arg}'`;
    else positional.push(arg);
  }
  if (positional.length !== 1) return positional.length === 0 ? 'no adapter folder given' : `one adapter folder expected, got ${positional.length}`;
  if (!out) return '--out <folder> is required';
  return { adapter: resolve(positional[0] as string), out: resolve(out), offline, json };
}

export async function runMerge(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    process.stderr.write(`finetune-studio merge: ${args}\n${USAGE}`);
    return 2;
  }
  if (!isAdapterFolder(args.adapter)) {
    process.stderr.write(`finetune-studio merge: ${args.adapter} has no adapter_config.json; expected a PEFT LoRA adapter folder (a LoRA run's output_dir or one of its checkpoints)\n`);
    return 1;
  }
  if (existsSync(args.out) && readdirSync(args.out).length > 0 && resolve(args.out) !== args.adapter) {
    process.stderr.write(`finetune-studio merge: ${args.out} is not empty; choose a new folder for the merged model\n`);
    return 1;
  }
  try {
    // cpu: the merge is a few matrix products, and plain JavaScript makes it bit-for-bit reproducible.
    await initBackend({ backend: 'cpu', threads: 'auto' });
    const env = args.offline ? { ...process.env, HF_HUB_OFFLINE: '1' } : process.env;
    const hub = hubOptionsFromEnv(env);
    const result = await mergeAdapterFolder(args.adapter, args.out, async (name) => (await ensurePretrained(name, process.cwd(), { ...hub, idleTimeoutMs: downloadTimeoutMs(env) })).folder);
    if (args.json) process.stdout.write(JSON.stringify({ out: args.out, ...result }) + '\n');
    else {
      process.stderr.write(
        `Merged the LoRA adapter of ${result.merged.length} module(s) into ${result.baseModel} (${result.parameters.toLocaleString('en-US')} parameters): ${args.out}\n`,
      );
    }
    return 0;
  } catch (error) {
    process.stderr.write(`finetune-studio merge: ${(error as Error).message}\n`);
    return 1;
  }
}
