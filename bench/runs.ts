/**
 * Run-manager benchmarks, as the editor starts runs (a forked dist/cli.js over IPC):
 * - latency from "start" to the runStart event and to the first logged step;
 * - event throughput from the trainer process to the host, with logging_steps 1, and a check
 *   that metrics.jsonl holds every event the host received (nothing dropped).
 * Prints figures; asserts nothing. Run: `npm run build && npx tsx bench/runs.ts [--quick]`.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { RunManager, type RunState } from '../client/run-manager';

const ROOT = resolve(__dirname, '..');
const quick = process.argv.includes('--quick');
const entry = { modulePath: join(ROOT, 'dist', 'cli.js') };

function writeConfig(trainingArgs: Record<string, string | number>): { dir: string; path: string; outputDir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'fts-bench-runs-'));
  const data = join(ROOT, 'examples', 'tabular', 'data');
  const lines = [
    'model: { architecture: mlp, num_labels: 3, hidden_sizes: [16], dropout: 0 }',
    `data: { train_file: ${JSON.stringify(join(data, 'train.csv'))}, label_column: label }`,
    'backend: wasm',
    'training_args:',
    ...Object.entries({ output_dir: 'out', save_strategy: 'no', ...trainingArgs }).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`),
  ];
  const path = join(dir, 'bench.trainer.yaml');
  writeFileSync(path, lines.join('\n') + '\n');
  return { dir, path, outputDir: join(dir, 'out') };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function startLatency(): Promise<{ toRunStart: number; toFirstLog: number }> {
  const { dir, path, outputDir } = writeConfig({ max_steps: 5, logging_steps: 1 });
  const manager = new RunManager({ entry });
  const started = performance.now();
  let toRunStart = 0;
  const firstLog = new Promise<number>((done) => {
    manager.on('event', (_run: RunState, event) => {
      if (event.type === 'runStart') toRunStart = performance.now() - started;
      if (event.type === 'log') done(performance.now() - started);
    });
  });
  const run = manager.start({ configPath: path, outputDir, cwd: dir });
  const toFirstLog = await firstLog;
  await manager.whenEnded(run.id);
  return { toRunStart, toFirstLog };
}

async function throughput(steps: number): Promise<{ events: number; seconds: number; onDisk: number }> {
  const { dir, path, outputDir } = writeConfig({ max_steps: steps, logging_steps: 1, per_device_train_batch_size: 8 });
  const manager = new RunManager({ entry });
  let events = 0;
  let first = 0;
  let last = 0;
  manager.on('event', () => {
    events += 1;
    last = performance.now();
    if (first === 0) first = last;
  });
  const run = manager.start({ configPath: path, outputDir, cwd: dir });
  await manager.whenEnded(run.id);
  const onDisk = readFileSync(join(outputDir, 'metrics.jsonl'), 'utf8').trim().split('\n').length;
  return { events, seconds: (last - first) / 1000, onDisk };
}

async function main(): Promise<void> {
  const rounds = quick ? 2 : 5;
  const latencies: { toRunStart: number; toFirstLog: number }[] = [];
  for (let i = 0; i < rounds; i++) latencies.push(await startLatency());
  console.log(`Start → runStart event:     median ${median(latencies.map((l) => l.toRunStart)).toFixed(0)} ms over ${rounds} runs`);
  console.log(`Start → first logged step:  median ${median(latencies.map((l) => l.toFirstLog)).toFixed(0)} ms`);

  const result = await throughput(quick ? 1000 : 5000);
  console.log(
    `Trainer → host events:      ${(result.events / result.seconds).toFixed(0)} events/s (${result.events} events in ${result.seconds.toFixed(2)} s, logging every step)`,
  );
  console.log(`metrics.jsonl lines:        ${result.onDisk} (${result.onDisk === result.events ? 'none dropped' : `MISMATCH: host saw ${result.events}`})`);
}

void main();
