/**
 * `finetune-studio generate <model-folder|run-dir|checkpoint> --prompt "…" [--chat] [--system "…"]`
 *   `[--max-new-tokens N] [--do-sample] [--temperature T] [--top-k K] [--top-p P] [--seed S] [--backend B]`
 * streams the completion to stdout as tokens are generated (stderr says which folder and settings).
 *
 * `--ipc`: the Try Model panel's generator process; it loads the model once and answers
 * src/protocol/generate's requests over the IPC channel until the channel closes.
 */
import { BACKENDS } from '../config/schema';
import { isGeneratorRequest, type DecodingOptions, type GenerateRequest, type GeneratorEvent } from '../protocol/generate';
import { initBackend, type BackendName } from '../trainer/backends';
import type { ChatMessage } from '../trainer/data/causal/chat-template';
import { loadGenerator, type LoadedGenerator } from '../trainer/generation/load';
import { resolveModelFolder } from '../trainer/generation/model-folder';
import { describeDecoding } from '../trainer/generation/settings';

const BACKEND_NAMES = Object.keys(BACKENDS) as BackendName[];

export interface GenerateCliOptions {
  model: string;
  prompt?: string;
  system?: string;
  chat: boolean;
  ipc: boolean;
  backend: BackendName;
  options: DecodingOptions;
}

export const GENERATE_USAGE =
  'finetune-studio generate <model-folder|run-dir|checkpoint> --prompt "…" [--chat] [--system "…"] [--max-new-tokens N] ' +
  '[--do-sample] [--temperature T] [--top-k K] [--top-p P] [--seed S] [--backend B]';

export function parseGenerateArgs(argv: string[]): GenerateCliOptions | string {
  const out: GenerateCliOptions = { model: '', chat: false, ipc: false, backend: 'auto', options: {} };
  const number = (flag: string, raw: string | undefined, integer: boolean, ok: (n: number) => boolean): number | string => {
    const n = Number(raw);
    if (raw === undefined || raw === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || !ok(n)) return `${flag} needs ${integer ? 'an integer' : 'a number'} in range, got ${raw ?? 'nothing'}`;
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const value = () => (eq > 0 ? arg.slice(eq + 1) : argv[++i]);
    let n: number | string;
    switch (flag) {
      case '--prompt':
        out.prompt = value();
        if (out.prompt === undefined) return '--prompt needs the text to complete';
        break;
      case '--system':
        out.system = value();
        if (out.system === undefined) return '--system needs a text';
        break;
      case '--chat':
        out.chat = true;
        break;
      case '--ipc':
        out.ipc = true;
        break;
      case '--do-sample':
        out.options.do_sample = true;
        break;
      case '--backend': {
        const b = value();
        if (!BACKEND_NAMES.includes(b as BackendName)) return `--backend must be one of ${BACKEND_NAMES.join(', ')}`;
        out.backend = b as BackendName;
        break;
      }
      case '--max-new-tokens':
        if (typeof (n = number(flag, value(), true, (x) => x >= 1 && x <= 4096)) === 'string') return n;
        out.options.max_new_tokens = n;
        break;
      case '--temperature':
        if (typeof (n = number(flag, value(), false, (x) => x > 0)) === 'string') return n;
        out.options.temperature = n;
        break;
      case '--top-k':
        if (typeof (n = number(flag, value(), true, (x) => x >= 0)) === 'string') return n;
        out.options.top_k = n;
        break;
      case '--top-p':
        if (typeof (n = number(flag, value(), false, (x) => x > 0 && x <= 1)) === 'string') return n;
        out.options.top_p = n;
        break;
      case '--seed':
        if (typeof (n = number(flag, value(), true, (x) => x >= 0 && x < 2 ** 32)) === 'string') return n;
        out.options.seed = n;
        break;
      default:
        if (arg.startsWith('-')) return `unknown option ${arg}`;
        if (out.model) return `one model folder only (got ${out.model} and ${arg})`;
        out.model = arg;
    }
  }
  if (!out.model) return 'give the model folder, checkpoint or run folder to generate with';
  if (!out.ipc && out.prompt === undefined) return '--prompt is required';
  if (out.system !== undefined && !out.chat) return '--system needs --chat (it is a system turn of the chat template)';
  return out;
}

function messagesOf(prompt: string, system: string | undefined): ChatMessage[] {
  return [...(system !== undefined ? [{ role: 'system', content: system }] : []), { role: 'user', content: prompt }];
}

export async function runGenerate(argv: string[]): Promise<number> {
  const parsed = parseGenerateArgs(argv);
  if (typeof parsed === 'string') {
    process.stderr.write(`finetune-studio generate: ${parsed}\nUsage: ${GENERATE_USAGE}\n`);
    return 2;
  }
  if (parsed.ipc) return serveIpc(parsed);
  try {
    const folder = resolveModelFolder(parsed.model);
    const backend = await initBackend({ backend: parsed.backend });
    const loaded = await loadGenerator(folder.dir);
    const settings = loaded.settings(parsed.options);
    const { generator } = loaded;
    const ids = parsed.chat ? generator.chatPromptIds(messagesOf(parsed.prompt ?? '', parsed.system)) : generator.textPromptIds(parsed.prompt ?? '');
    process.stderr.write(`${folder.dir} (${folder.how}; ${loaded.modelType} on ${backend.name}; ${describeDecoding(settings.sampling)}, up to ${settings.maxNewTokens} new tokens)\n`);
    const out = await generator.generate(ids, settings, { onText: (piece) => process.stdout.write(piece) });
    process.stdout.write('\n');
    process.stderr.write(`${out.tokens.length} tokens, ${out.finish === 'eos' ? 'ended at EOS' : 'max_new_tokens reached'}\n`);
    generator.model.dispose();
    return 0;
  } catch (error) {
    process.stderr.write(`finetune-studio generate: ${(error as Error).message}\n`);
    return 1;
  }
}

/** The generator process: load once, then one request at a time until the parent goes. */
async function serveIpc(options: GenerateCliOptions): Promise<number> {
  const send = (event: GeneratorEvent) => process.send?.(event);
  if (!process.send) {
    process.stderr.write('finetune-studio generate --ipc: no IPC channel (it is started by the editor)\n');
    return 2;
  }
  let loaded: LoadedGenerator;
  let backendName: string;
  try {
    const folder = resolveModelFolder(options.model);
    backendName = (await initBackend({ backend: options.backend })).name;
    loaded = await loadGenerator(folder.dir);
    const d = loaded.settings(undefined);
    send({
      type: 'loaded', modelPath: folder.dir, modelType: loaded.modelType, chatTemplate: loaded.generator.hasChatTemplate, backend: backendName,
      defaults: { max_new_tokens: d.maxNewTokens, do_sample: d.sampling.doSample, temperature: d.sampling.temperature, top_k: d.sampling.topK, top_p: d.sampling.topP },
    });
  } catch (error) {
    send({ type: 'failed', message: (error as Error).message });
    return 1;
  }
  let stopRequested = false;
  let queue = Promise.resolve();
  const handle = async (request: GenerateRequest) => {
    stopRequested = false;
    const started = Date.now();
    try {
      const { generator } = loaded;
      const ids = request.chat ? generator.chatPromptIds(request.messages.map((m) => ({ role: m.role, content: m.content }))) : generator.textPromptIds(request.messages[request.messages.length - 1].content);
      const out = await generator.generate(ids, loaded.settings(request.options, Date.now() >>> 0), {
        onText: (text) => send({ type: 'token', id: request.id, text }),
        shouldStop: () => stopRequested,
      });
      const finish = stopRequested && out.finish === 'length' ? 'stopped' : out.finish;
      send({ type: 'done', id: request.id, finish, text: out.text, tokens: out.tokens.length, seconds: (Date.now() - started) / 1000 });
    } catch (error) {
      send({ type: 'failed', id: request.id, message: (error as Error).message });
    }
  };
  process.on('message', (message: unknown) => {
    if (!isGeneratorRequest(message)) {
      process.stderr.write(`generate --ipc: ignored a malformed request ${JSON.stringify(message)?.slice(0, 200)}\n`);
      return;
    }
    if (message.type === 'stop') stopRequested = true;
    else queue = queue.then(() => handle(message));
  });
  await new Promise<void>((resolve) => process.once('disconnect', resolve));
  return 0;
}
