/**
 * The memory plan against measurement, on wasm: for each setting, one process builds our BERT code
 * from a config.json with random weights, runs two AdamW steps and measures the second: the most
 * bytes tfjs held in the wasm heap (its _malloc/_free, metered from before the model exists), the
 * heap's size, and the process's peak RSS. The estimate is the plan the run prints.
 *   node --import tsx bench/memory.ts            (the table; a few minutes)
 * The encoder's activation factors (src/trainer/memory/estimate.ts) were fitted to such
 * measurements on 12 small shapes (bench/memory-step.ts, phase by phase).
 */
import { spawnSync } from 'node:child_process';
import { initBackend } from '../src/trainer/backends';
import { formatPlan } from '../src/trainer/memory/estimate';
import { machineLimit, wasmLimit } from '../src/trainer/memory/limits';
import { planRun, parametersFromShape, describeRefusal } from '../src/trainer/memory/plan';
import { transformerShape } from '../src/trainer/memory/shape';
import { measureEncoderStep } from './memory-step';

interface Setting {
  name: string;
  config: Record<string, unknown>;
  batch: number;
  length: number;
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

const SETTINGS: Setting[] = [
  { name: 'BERT-mini (4 × 256) batch 16 × 128', config: bert(4, 256, 4), batch: 16, length: 128 },
  { name: 'BERT-medium (8 × 512) batch 8 × 128', config: bert(8, 512, 8), batch: 8, length: 128 },
  { name: 'bert-base (12 × 768) batch 2 × 128', config: bert(12, 768, 12), batch: 2, length: 128 },
];
const REFUSED: Setting = { name: 'bert-base (12 × 768) batch 8 × 128', config: bert(12, 768, 12), batch: 8, length: 128 };

function plan(setting: Setting) {
  const shape = transformerShape(setting.config, 'config.json', 2);
  return planRun({
    shape,
    parameters: parametersFromShape(shape),
    optim: 'adamw_torch',
    batchSize: setting.batch,
    seqLength: setting.length,
    gradientAccumulationSteps: 1,
    gradientCheckpointing: false,
    dropout: true,
    lora: false,
    limit: wasmLimit(),
    alternatives: [machineLimit('cpu', 16 * 2 ** 30)],
  });
}

async function child(index: number): Promise<void> {
  await initBackend({ backend: 'wasm', threads: 1 });
  const setting = SETTINGS[index];
  const measure = await measureEncoderStep(setting.config, setting.batch, setting.length);
  const rss = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(JSON.stringify({ heap: measure.heapAbsolutePeak, heapSize: measure.heapSize, rss }) + '\n');
}

function main(): void {
  const gb = (bytes: number) => (bytes / 1e9).toFixed(2);
  console.log('| setting | estimate (GB) | wasm heap live peak (GB) | estimate / measured | heap size (GB) | peak RSS (GB) |');
  console.log('|---|---|---|---|---|---|');
  SETTINGS.forEach((setting, index) => {
    const estimate = plan(setting).plan;
    const run = spawnSync(process.execPath, [...process.execArgv, __filename, '--child', String(index)], { encoding: 'utf8' });
    const line = run.stdout.trim().split('\n').pop() ?? '';
    if (run.status !== 0 || !line.startsWith('{')) {
      console.log(`| ${setting.name} | ${gb(estimate.total)} | failed: ${(run.stderr || run.stdout).trim().split('\n').slice(-1)[0]} | | | |`);
      return;
    }
    const m = JSON.parse(line) as { heap: number; heapSize: number; rss: number };
    console.log(`| ${setting.name} | ${gb(estimate.total)} | ${gb(m.heap)} | ${(estimate.total / m.heap).toFixed(2)} | ${gb(m.heapSize)} | ${gb(m.rss)} |`);
  });
  console.log(`\nPlans: ${SETTINGS.map((s) => `\n  ${s.name}: ${formatPlan(plan(s).plan)}`).join('')}`);
  console.log(`\n${describeRefusal(plan(REFUSED), REFUSED.name)}`);
}

const at = process.argv.indexOf('--child');
if (at >= 0) void child(Number(process.argv[at + 1]));
else main();
