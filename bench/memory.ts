/**
 * The memory plan against measurement, on wasm: for each setting, one process builds our BERT or
 * decoder (GPT-2, Llama-family; with gradient checkpointing or LoRA) code from a config.json with
 * random weights, runs two AdamW steps and measures the second: the most
 * bytes tfjs held in the wasm heap (its _malloc/_free, metered from before the model exists), the
 * heap's size, and the process's peak RSS. The estimate is the plan the run prints. Each setting runs
 * twice: with the native addon's fused kernels (layer norm, RMSNorm, softmax, GELU, SwiGLU keep fewer
 * intermediates) and with FTS_NATIVE=0 (the pure-wasm composites, the fallback), each against the
 * plan for those kernels (a run plans with the kernels it registered; the editor with the addon it finds).
 *   node --import tsx bench/memory.ts              (the table; about 20 minutes; exit 1 if any is off by > 25%)
 *   node --import tsx bench/memory.ts --decoders   (the decoder rows only)
 * The activation factors (src/trainer/memory/estimate.ts) were fitted to such measurements on
 * small shapes (bench/memory-fit.ts, through bench/memory-step.ts); these rows are larger models they were not fitted to.
 */
import { spawnSync } from 'node:child_process';
import { initBackend } from '../src/trainer/backends';
import { formatPlan } from '../src/trainer/memory/estimate';
import { machineLimit, wasmLimit } from '../src/trainer/memory/limits';
import { planRun, parametersFromShape, describeRefusal } from '../src/trainer/memory/plan';
import { transformerShape } from '../src/trainer/memory/shape';
import { resolveLora } from '../src/trainer/models/hf/peft-config';
import { measureDecoderStep, measureEncoderStep } from './memory-step';

interface Setting {
  name: string;
  config: Record<string, unknown>;
  batch: number;
  length: number;
  gradientCheckpointing?: boolean;
  /** LoRA r=8 on PEFT's default targets for the model type. */
  lora?: boolean;
}

const bert = (layers: number, hidden: number, heads: number) => ({
  model_type: 'bert',
  vocab_size: 30522,
  hidden_size: hidden,
  num_hidden_layers: layers,
  num_attention_heads: heads,
  intermediate_size: 4 * hidden,
  max_position_embeddings: 512,
  num_labels: 2,
});

/** distilgpt2's config.json sizes (6 × 768, GPT-2's vocab, dropout 0.1). */
const DISTILGPT2 = { model_type: 'gpt2', n_layer: 6, n_embd: 768, n_head: 12, vocab_size: 50257, n_positions: 1024 };
/** SmolLM2-135M's sizes (576 hidden, 9 heads / 3 kv, SwiGLU 1536, vocab 49152, tied embeddings) with 8 of its 30 layers. */
const SMOL8 = { model_type: 'llama', hidden_size: 576, intermediate_size: 1536, num_hidden_layers: 8, num_attention_heads: 9, num_key_value_heads: 3, vocab_size: 49152, max_position_embeddings: 8192, tie_word_embeddings: true };

const SETTINGS: Setting[] = [
  { name: 'BERT-mini (4 × 256) batch 16 × 128', config: bert(4, 256, 4), batch: 16, length: 128 },
  { name: 'BERT-medium (8 × 512) batch 8 × 128', config: bert(8, 512, 8), batch: 8, length: 128 },
  { name: 'bert-base (12 × 768) batch 2 × 128', config: bert(12, 768, 12), batch: 2, length: 128 },
  { name: 'distilgpt2 (6 × 768) batch 2 × 128', config: DISTILGPT2, batch: 2, length: 128 },
  { name: 'SmolLM2 shape, 8 layers (8 × 576) batch 4 × 128', config: SMOL8, batch: 4, length: 128 },
  { name: 'SmolLM2 shape, 8 layers, gradient checkpointing, batch 4 × 128', config: SMOL8, batch: 4, length: 128, gradientCheckpointing: true },
  { name: 'SmolLM2 shape, 8 layers, LoRA r 8 (q_proj, v_proj), batch 4 × 128', config: SMOL8, batch: 4, length: 128, lora: true },
];
const REFUSED: Setting[] = [
  { name: 'bert-base (12 × 768) batch 8 × 128', config: bert(12, 768, 12), batch: 8, length: 128 },
  { name: 'SmolLM2-135M (30 × 576) batch 2 × 256', config: { ...SMOL8, num_hidden_layers: 30 }, batch: 2, length: 256 },
];
/** The acceptance bound: the estimate within 25% of the measured peak. */
const TOLERANCE = 0.25;

function plan(setting: Setting, fusedKernels = false) {
  const shape = transformerShape(setting.config, 'config.json', 2);
  const lora = setting.lora ? resolveLora({ r: 8 }, shape.modelType, 'CAUSAL_LM', 'bench') : undefined;
  return planRun({
    shape,
    parameters: parametersFromShape(shape, lora ? { lora } : {}),
    optim: 'adamw_torch',
    batchSize: setting.batch,
    seqLength: setting.length,
    gradientAccumulationSteps: 1,
    gradientCheckpointing: setting.gradientCheckpointing === true,
    dropout: true,
    lora: lora !== undefined,
    limit: wasmLimit(fusedKernels),
    alternatives: [machineLimit('cpu', 16 * 2 ** 30)],
  });
}

async function child(index: number): Promise<void> {
  const info = await initBackend({ backend: 'wasm', threads: 1 });
  const setting = SETTINGS[index];
  const step =
    setting.config.model_type === 'bert'
      ? await measureEncoderStep(setting.config, setting.batch, setting.length)
      : await measureDecoderStep(setting.config, setting.batch, setting.length, { gradientCheckpointing: setting.gradientCheckpointing, ...(setting.lora ? { lora: { r: 8 } } : {}) });
  const rss = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(JSON.stringify({ heap: step.heapAbsolutePeak, heapSize: step.heapSize, rss, backend: info.device }) + '\n');
}

interface Measured {
  heap: number;
  heapSize: number;
  rss: number;
  backend: string;
}

/** One setting in a fresh process; FTS_NATIVE=0 when `native` is false. */
function measure(index: number, native: boolean): Measured | string {
  const env = { ...process.env, FTS_NATIVE: native ? '1' : '0' };
  const run = spawnSync(process.execPath, [...process.execArgv, __filename, '--child', String(index)], { encoding: 'utf8', env });
  const line = run.stdout.trim().split('\n').pop() ?? '';
  if (run.status !== 0 || !line.startsWith('{')) return `failed: ${(run.stderr || run.stdout).trim().split('\n').slice(-1)[0]}`;
  return JSON.parse(line) as Measured;
}

function main(): void {
  const gb = (bytes: number) => (bytes / 1e9).toFixed(2);
  const only = process.argv.includes('--decoders') ? (s: Setting) => s.config.model_type !== 'bert' : () => true;
  let outside = 0;
  const cells = (estimate: number, m: Measured | string) => {
    if (typeof m === 'string') {
      outside++;
      return `${gb(estimate)} | ${m} | | |`;
    }
    const ratio = estimate / m.heap;
    if (Math.abs(ratio - 1) > TOLERANCE) outside++;
    return `${gb(estimate)} | ${gb(m.heap)} | ${ratio.toFixed(2)} | ${gb(m.rss)}`;
  };
  let backends = '';
  console.log('| setting | pure wasm: estimate (GB) | heap peak (GB) | estimate / measured | peak RSS (GB) | native fused kernels: estimate (GB) | heap peak (GB) | estimate / measured | peak RSS (GB) |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  SETTINGS.forEach((setting, index) => {
    if (!only(setting)) return;
    const fallback = measure(index, false);
    const native = measure(index, true);
    if (typeof native !== 'string' && typeof fallback !== 'string') backends = `pure wasm: ${fallback.backend}; native: ${native.backend}`;
    console.log(`| ${setting.name} | ${cells(plan(setting).plan.total, fallback)} | ${cells(plan(setting, true).plan.total, native)} |`);
  });
  if (backends) console.log(`\n${backends}`);
  for (const fusedKernels of [false, true]) {
    console.log(`\nPlans (${fusedKernels ? 'native fused kernels' : 'pure wasm'}): ${SETTINGS.filter(only).map((s) => `\n  ${s.name}: ${formatPlan(plan(s, fusedKernels).plan)}`).join('')}`);
    for (const refused of REFUSED.filter(only)) console.log(`\n${describeRefusal(plan(refused, fusedKernels), `${refused.name} (${fusedKernels ? 'native fused kernels' : 'pure wasm'})`)}`);
  }
  console.log(outside === 0 ? `\nEvery estimate within ${TOLERANCE * 100}% of the measured peak.` : `\n${outside} setting(s) failed or outside ${TOLERANCE * 100}% of the measured peak.`);
  process.exitCode = outside === 0 ? 0 : 1;
}

const at = process.argv.indexOf('--child');
if (at >= 0) void child(Number(process.argv[at + 1]));
else main();
