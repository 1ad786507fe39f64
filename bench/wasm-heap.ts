/**
 * How much more than the live tensor bytes the wasm heap grows to, with the pure wasm kernels and with
 * the native addon: one AdamW step of our BERT code per setting, each in a fresh process (the heap
 * never shrinks), then a single matmul probe. The memory plan's PURE_WASM_HEAP_RATIO
 * (src/trainer/memory/limits.ts) comes from this.
 *   node --import tsx bench/wasm-heap.ts      (about 4 minutes on a quiet 2-core machine)
 * Live bytes are what tfjs allocated through the backend's _malloc (bench/memory-step.ts's meter);
 * XNNPACK's packed copies of matmul operands are allocated inside the wasm module and are not.
 */
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { initBackend } from '../src/trainer/backends';
import { measureEncoderStep, WasmHeapMeter } from './memory-step';

/** [layers, hidden, batch] at 128 tokens, BERT shapes (heads of 64, MLP 4 × hidden). */
const SETTINGS: [number, number, number][] = [
  [4, 256, 16],
  [8, 512, 8],
  [12, 768, 1],
  [6, 768, 2],
];

async function stepChild(index: number): Promise<void> {
  const info = await initBackend({ backend: 'wasm', threads: 1 });
  const [layers, hidden, batch] = SETTINGS[index];
  const config = { model_type: 'bert', vocab_size: 30522, hidden_size: hidden, num_hidden_layers: layers, num_attention_heads: hidden / 64, intermediate_size: 4 * hidden, max_position_embeddings: 512, num_labels: 2 };
  const m = await measureEncoderStep(config, batch, 128);
  process.stdout.write(JSON.stringify({ live: m.heapAbsolutePeak, heap: m.heapSize, backend: info.device }) + '\n');
}

/** One 4096² weight: the heap after x·W and x·Wᵀ against the live bytes. */
async function probeChild(): Promise<void> {
  await initBackend({ backend: 'wasm', threads: 1 });
  const meter = new WasmHeapMeter();
  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;
  const w = tf.randomNormal([4096, 4096]);
  const x = tf.randomNormal([8, 4096]);
  const lines = [`one weight: live ${mb(meter.live)}, heap ${mb(meter.heapBytes())}`];
  tf.dispose(tf.matMul(x, w));
  lines.push(`after x·W: live ${mb(meter.live)}, heap ${mb(meter.heapBytes())}`);
  tf.dispose(tf.matMul(x, w, false, true));
  lines.push(`after x·Wᵀ: live ${mb(meter.live)}, heap ${mb(meter.heapBytes())}`);
  process.stdout.write(lines.join('; ') + '\n');
}

function child(args: string[], native: boolean): string {
  const env = { ...process.env, FTS_NATIVE: native ? '1' : '0' };
  const run = spawnSync(process.execPath, [...process.execArgv, __filename, ...args], { encoding: 'utf8', env });
  const line = run.stdout.trim().split('\n').pop() ?? '';
  return run.status === 0 ? line : `failed: ${(run.stderr || run.stdout).trim().split('\n').slice(-1)[0]}`;
}

function main(): void {
  const gb = (bytes: number) => (bytes / 1e9).toFixed(2);
  console.log('| BERT step (layers × hidden, batch × 128) | pure wasm: live (GB) | heap (GB) | heap / live | native: live (GB) | heap (GB) | heap / live |');
  console.log('|---|---|---|---|---|---|---|');
  SETTINGS.forEach(([layers, hidden, batch], index) => {
    const cells = [false, true].map((native) => {
      const line = child(['--step', String(index)], native);
      if (!line.startsWith('{')) return `${line} | | `;
      const m = JSON.parse(line) as { live: number; heap: number };
      return `${gb(m.live)} | ${gb(m.heap)} | ${(m.heap / m.live).toFixed(2)}`;
    });
    console.log(`| ${layers} × ${hidden}, ${batch} × 128 | ${cells.join(' | ')} |`);
  });
  console.log(`\nmatmul probe, pure wasm: ${child(['--probe'], false)}`);
  console.log(`matmul probe, native: ${child(['--probe'], true)}`);
}

if (process.argv.includes('--step')) void stepChild(Number(process.argv[process.argv.indexOf('--step') + 1]));
else if (process.argv.includes('--probe')) void probeChild();
else main();
