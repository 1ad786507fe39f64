/**
 * What the WebGPU before/after benches share: interleaved timing of two contenders, the Markdown
 * table they print, the re-exec that gives lavapipe's variables to a child process only, and the
 * small BERT both train a step of.
 */
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { initBackend } from '../src/trainer/backends';
import { readEncoderConfig } from '../src/trainer/models/hf/config';
import { buildBertFamily } from '../src/trainer/models/hf/encoders';
import type { ParamFactory } from '../src/trainer/models/hf/layers';
import { DropoutContext } from '../src/trainer/models/ops';
import { vulkanEnv } from '../test/unit/backends/fixtures/children';

export const QUICK = process.argv.includes('--quick');
export const ROUNDS = QUICK ? 2 : 3;

export interface Timing {
  wallMs: number;
  /** CPU time of this process per iteration: on lavapipe the "GPU" is this process's threads, so this is the work done, whatever else runs on the machine. */
  cpuMs: number;
}

export interface Contender {
  /** Called before each round (switches the kernels in or out). */
  setup: () => void;
  body: () => tf.Tensor[];
}

async function timeRound(c: Contender, iterations: number): Promise<Timing> {
  c.setup();
  const wall = performance.now();
  const cpu = process.cpuUsage();
  let last: tf.Tensor[] = [];
  for (let i = 0; i < iterations; i++) {
    tf.dispose(last);
    last = c.body();
  }
  await Promise.all(last.map((t) => t.data()));
  tf.dispose(last);
  const used = process.cpuUsage(cpu);
  return { wallMs: (performance.now() - wall) / iterations, cpuMs: (used.user + used.system) / 1000 / iterations };
}

/**
 * Times `before` and `after` in interleaved rounds (before, after, before, ...), each round
 * `iterations` runs closed by reading the last results back; the figure is each side's median round.
 */
export async function timeBoth(before: Contender, after: Contender, iterations: number): Promise<[Timing, Timing]> {
  // Warm-up: pipelines compiled, buffers pooled.
  await timeRound(before, iterations);
  await timeRound(after, iterations);
  const rounds: [Timing[], Timing[]] = [[], []];
  for (let r = 0; r < ROUNDS; r++) {
    rounds[0].push(await timeRound(before, iterations));
    rounds[1].push(await timeRound(after, iterations));
  }
  const median = (ts: Timing[]): Timing => {
    const mid = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    return { wallMs: mid(ts.map((t) => t.wallMs)), cpuMs: mid(ts.map((t) => t.cpuMs)) };
  };
  return [median(rounds[0]), median(rounds[1])];
}

export function row(name: string, before: Timing, after: Timing): string {
  const f = (ms: number) => ms.toFixed(1);
  return `| ${name} | ${f(before.wallMs)} | ${f(after.wallMs)} | ${(before.wallMs / after.wallMs).toFixed(2)}x | ${f(before.cpuMs)} | ${f(after.cpuMs)} | ${(before.cpuMs / after.cpuMs).toFixed(2)}x |`;
}

/**
 * Starts webgpu, prints the table's header, then the rows of each section in order. With
 * FTS_LAVAPIPE_DIR set, re-runs this script in a child that has lavapipe's variables, as the tests do
 * (the parent keeps its own libraries).
 */
export function runBeforeAfterBench(sections: (() => Promise<string[]>)[]): void {
  if (process.env.FTS_LAVAPIPE_DIR && !process.env.VK_ICD_FILENAMES) {
    const child = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { env: vulkanEnv(), stdio: 'inherit' });
    process.exit(child.status ?? 1);
  }
  const main = async () => {
    const info = await initBackend({ backend: 'webgpu' });
    console.log(`${info.device}; tfjs ${tf.version_core}; ${QUICK ? 'quick, ' : ''}median of ${ROUNDS} rounds\n`);
    console.log('| what (per iteration) | composite wall ms | fused wall ms | gain | composite CPU ms | fused CPU ms | gain |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const section of sections) for (const line of await section()) console.log(line);
  };
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}

/** The loss of a 2-layer BERT (hidden 128, 4 heads of 32) on 8 rows of 64 tokens with padding, dropout off; weights from `param`. */
export function smallBertLoss(param: ParamFactory): () => tf.Scalar {
  const config = readEncoderConfig(
    { model_type: 'bert', hidden_size: 128, num_hidden_layers: 2, num_attention_heads: 4, intermediate_size: 512, vocab_size: 1000 },
    'bench:bert',
  );
  const spec = buildBertFamily(config, 2, param);
  const ids = tf.randomUniform([8, 64], 1, 1000, 'int32', 5);
  const mask = tf.concat([tf.ones([8, 56], 'int32'), tf.zeros([8, 8], 'int32')], 1);
  const labels = tf.oneHot(tf.randomUniform([8], 0, 2, 'int32', 6), 2);
  return () => tf.losses.softmaxCrossEntropy(labels, spec.body({ input_ids: ids, attention_mask: mask }, new DropoutContext(false, 1))) as tf.Scalar;
}
