/**
 * `npm run bench`: training throughput of our Trainer against a bare tfjs loop (same model, loss
 * and optimizer) on each tfjs backend that loads, and against PyTorch (bench/torch_models.py), for
 * the MLP, the text classifier and the transformer encoder; plus 1024² matmul GFLOP/s.
 * Every cell runs in its own process (peak RSS per cell); rounds are interleaved and reported as
 * medians with their spread. Prints figures; asserts nothing.
 *
 *   npx tsx bench/trainer.ts [--quick] [--rounds N] [--budget-ms MS] [--models mlp,text,transformer,bert-mini,smollm]
 *                           [--backends wasm,wasm-native,wasm-native-2,wasm-stock,cpu,webgpu,tensorflow] [--no-torch] [--no-profile]
 *
 * `--native` (npm run bench -- --native) is the native addon's bench: matmul, MLP, transformer,
 * BERT-mini and a SmolLM-shaped Llama (HF's own Trainer on the PyTorch side for those two), pure wasm vs wasm + native BLAS on 1 and 2
 * threads vs PyTorch on 1 and 2 threads, one round; about 10 minutes on a quiet 2-core machine.
 */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { median } from './trainer-clock';
import { BACKEND_IDS, BATCH_SIZES, MODEL_IDS, MODEL_TITLES, type BackendId, type ModelId } from './trainer-setup';
import { ensureCheckpoint, runTfjsCell, runTorchCell, TORCH_PYTHON } from './trainer-spawn';
import type { CellResult, LoopKind } from './trainer-spec';
import { figure, printTable, ratio, withSpread } from './trainer-table';

interface Settings {
  quick: boolean;
  rounds: number;
  warmupMs: number;
  budgetMs: number;
  models: ModelId[];
  backends: BackendId[];
  torch: boolean;
  profile: boolean;
}

type Row =
  | { id: string; label: string; tfjs: true; loop: LoopKind; backend: BackendId }
  | { id: string; label: string; tfjs: false; threads: number };

type OkResult = Extract<CellResult, { ok: true }>;

const BACKEND_LABELS: Record<BackendId, string> = {
  wasm: 'wasm, our kernels',
  'wasm-native': 'wasm + native BLAS, 1 thread',
  'wasm-native-2': 'wasm + native BLAS, 2 threads',
  'wasm-stock': 'wasm, stock kernels',
  cpu: 'cpu (plain JS)',
  webgpu: 'webgpu (Dawn)',
  tensorflow: 'tensorflow (tfjs-node)',
};

/** The cpu backend trains the transformer at ~13 ex/s (minutes per cell): left out. */
const SKIPPED: Partial<Record<BackendId, readonly ModelId[]>> = { cpu: ['transformer', 'bert-mini', 'smollm'], 'wasm-stock': ['bert-mini', 'smollm'] };

function parseSettings(argv: readonly string[]): Settings {
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const list = <T extends string>(name: string, all: readonly T[]): T[] => {
    const given = value(name);
    if (!given) return [...all];
    const items = given.split(',') as T[];
    const bad = items.filter((i) => !all.includes(i));
    if (bad.length > 0) throw new Error(`${name}: unknown ${bad.join(', ')}; use ${all.join(',')}`);
    return items;
  };
  const quick = argv.includes('--quick');
  const native = argv.includes('--native');
  const models = list('--models', MODEL_IDS);
  const backends = list('--backends', BACKEND_IDS);
  return {
    quick,
    rounds: Number(value('--rounds') ?? (quick || native ? 1 : 3)),
    warmupMs: quick ? 300 : 1000,
    budgetMs: Number(value('--budget-ms') ?? (quick ? 1000 : 3000)),
    models: native && !value('--models') ? ['mlp', 'transformer', 'bert-mini', 'smollm'] : models,
    backends: native && !value('--backends') ? ['wasm', 'wasm-native', 'wasm-native-2'] : backends,
    torch: !argv.includes('--no-torch'),
    profile: !quick && !native && !argv.includes('--no-profile'),
  };
}

function rowsFor(settings: Settings): Row[] {
  const rows: Row[] = [];
  for (const backend of settings.backends) {
    for (const loop of ['trainer', 'bare'] as const) {
      // The bare loop does the same math as the Trainer and the PyTorch column: HF's default
      // max_grad_norm 1 clipping included, so Trainer / bare measures the Trainer's machinery.
      rows.push({
        id: `${loop} ${backend}`,
        label: `${loop === 'trainer' ? 'Trainer' : 'bare loop'}, ${BACKEND_LABELS[backend]}`,
        tfjs: true,
        loop: loop === 'trainer' ? 'trainer' : 'bare+clip',
        backend,
      });
    }
  }
  if (settings.torch) {
    for (const threads of [1, 2]) rows.push({ id: `torch ${threads}`, label: `PyTorch, ${threads} thread${threads > 1 ? 's' : ''}`, tfjs: false, threads });
  }
  return rows;
}

class Results {
  private readonly cells = new Map<string, CellResult[]>();

  add(key: string, result: CellResult): void {
    const list = this.cells.get(key) ?? [];
    list.push(result);
    this.cells.set(key, list);
  }

  ok(key: string): OkResult[] {
    return (this.cells.get(key) ?? []).filter((r): r is OkResult => r.ok);
  }

  error(key: string): string | undefined {
    const failed = (this.cells.get(key) ?? []).find((r) => !r.ok);
    return failed && !failed.ok ? failed.error : undefined;
  }

  values(key: string, pick: (r: OkResult) => number | undefined): number[] {
    return this.ok(key)
      .map(pick)
      .filter((v): v is number => v !== undefined && Number.isFinite(v));
  }

  median(key: string, pick: (r: OkResult) => number | undefined): number | undefined {
    const v = this.values(key, pick);
    return v.length > 0 ? median(v) : undefined;
  }
}

const cellKey = (rowId: string, model: ModelId | 'matmul') => `${rowId} | ${model}`;
const matmulKey = (backend: BackendId | string) => cellKey(`matmul ${backend}`, 'matmul');

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

async function runRounds(settings: Settings, rows: readonly Row[], results: Results, unavailable: Map<BackendId, string>): Promise<void> {
  const matmulBudget = settings.quick ? 300 : 1000;
  for (let round = 1; round <= settings.rounds; round++) {
    // Matmul first: it also tells whether each backend loads at all.
    for (const backend of settings.backends) {
      if (unavailable.has(backend)) continue;
      const result = await runTfjsCell({ kind: 'matmul', backend, budgetMs: matmulBudget });
      results.add(matmulKey(backend), result);
      if (!result.ok && round === 1) unavailable.set(backend, result.error);
    }
    if (settings.torch) {
      for (const threads of [1, 2]) results.add(matmulKey(`torch ${threads}`), await runTorchCell({ model: 'matmul', threads, warmupMs: 200, budgetMs: matmulBudget }));
    }
    for (const model of settings.models) {
      for (const row of rows) {
        if (row.tfjs && (unavailable.has(row.backend) || SKIPPED[row.backend]?.includes(model))) continue;
        log(`round ${round}/${settings.rounds}: ${MODEL_TITLES[model]}: ${row.label}`);
        const common = { warmupMs: settings.warmupMs, budgetMs: settings.budgetMs };
        const result = row.tfjs
          ? await runTfjsCell({ kind: row.loop, model, backend: row.backend, ...common })
          : await runTorchCell({ model, threads: row.threads, ...common });
        results.add(cellKey(row.id, model), result);
      }
    }
  }
}

const samples = (r: OkResult) => r.samplesPerSec;
/** Examples per CPU-second of the process: the figure least disturbed by other load. */
const cpuSamples = (model: ModelId) => (r: OkResult) => (r.cpuStepMs ? BATCH_SIZES[model] / (r.cpuStepMs / 1000) : undefined);

function cellText(results: Results, row: Row, model: ModelId, unavailable: Map<BackendId, string>, pick: (r: OkResult) => number | undefined): string {
  if (row.tfjs && unavailable.has(row.backend)) return 'n/a';
  if (row.tfjs && SKIPPED[row.backend]?.includes(model)) return 'skipped';
  const key = cellKey(row.id, model);
  const values = results.values(key, pick);
  if (values.length > 0) return withSpread(values);
  return results.error(key) ? 'failed' : '—';
}

function report(settings: Settings, rows: readonly Row[], results: Results, unavailable: Map<BackendId, string>, loadStart: number[]): void {
  const models = settings.models;
  const header = ['', ...models.map((m) => MODEL_TITLES[m])];
  const available = rows.filter((r) => !r.tfjs || !unavailable.has(r.backend));

  printTable(
    `Training samples/s (wall clock, median step; median of ${settings.rounds} round(s), ±half the range over the rounds)`,
    header,
    available.map((row) => [row.label, ...models.map((m) => cellText(results, row, m, unavailable, samples))]),
  );

  const cpuRows = available.filter((r) => (r.tfjs ? r.backend !== 'webgpu' && r.backend !== 'wasm-native-2' : r.threads === 1));
  printTable(
    'Samples per CPU-second (median step; single-threaded cells only): the figure other load disturbs least',
    header,
    cpuRows.map((row) => [row.label, ...models.map((m) => cellText(results, row, m, unavailable, cpuSamples(m)))]),
  );

  const at = (rowId: string, model: ModelId, pick: (r: OkResult) => number | undefined = samples) => results.median(cellKey(rowId, model), pick);
  const ratioRows: string[][] = [];
  for (const backend of settings.backends.filter((b) => !unavailable.has(b))) {
    ratioRows.push([`Trainer / bare loop, ${BACKEND_LABELS[backend]}`, ...models.map((m) => ratio(at(`trainer ${backend}`, m), at(`bare ${backend}`, m)))]);
    if (backend !== 'webgpu') {
      ratioRows.push([`  same, by CPU time`, ...models.map((m) => ratio(at(`trainer ${backend}`, m, cpuSamples(m)), at(`bare ${backend}`, m, cpuSamples(m))))]);
    }
  }
  if (!unavailable.has('wasm') && !unavailable.has('wasm-stock')) {
    ratioRows.push(['our wasm kernels / stock wasm (Trainer)', ...models.map((m) => ratio(at('trainer wasm', m), at('trainer wasm-stock', m)))]);
  }
  for (const native of ['wasm-native', 'wasm-native-2'] as const) {
    if (settings.backends.includes(native) && !unavailable.has(native) && settings.backends.includes('wasm')) {
      ratioRows.push([`${BACKEND_LABELS[native]} / pure wasm (Trainer)`, ...models.map((m) => ratio(at(`trainer ${native}`, m), at('trainer wasm', m)))]);
    }
  }
  if (settings.torch) {
    for (const threads of [1, 2]) {
      ratioRows.push([`Trainer wasm / PyTorch ${threads} thread${threads > 1 ? 's' : ''}`, ...models.map((m) => ratio(at('trainer wasm', m), at(`torch ${threads}`, m)))]);
    }
    for (const [native, threads] of [['wasm-native', 1], ['wasm-native-2', 2]] as const) {
      if (!settings.backends.includes(native) || unavailable.has(native)) continue;
      ratioRows.push([`Trainer ${BACKEND_LABELS[native]} / PyTorch ${threads}`, ...models.map((m) => ratio(at(`trainer ${native}`, m), at(`torch ${threads}`, m)))]);
      ratioRows.push([`  same, by CPU time`, ...models.map((m) => ratio(at(`trainer ${native}`, m, cpuSamples(m)), at(`torch ${threads}`, m, cpuSamples(m))))]);
    }
    ratioRows.push(['  same, 1 thread, by CPU time', ...models.map((m) => ratio(at('trainer wasm', m, cpuSamples(m)), at('torch 1', m, cpuSamples(m))))]);
    if (!unavailable.has('webgpu')) {
      ratioRows.push(['Trainer webgpu / PyTorch 2 threads', ...models.map((m) => ratio(at('trainer webgpu', m), at('torch 2', m)))]);
    }
  }
  printTable('Ratios (of the medians above; > 1× means the first is faster)', header, ratioRows);

  printTable(
    'Peak RSS, MB (whole cell process, max over rounds)',
    header,
    available.map((row) => [
      row.label,
      ...models.map((m) => {
        const v = results.values(cellKey(row.id, m), (r) => r.rssMb);
        return v.length > 0 ? figure(Math.max(...v)) : cellText(results, row, m, unavailable, () => undefined);
      }),
    ]),
  );

  const matmulRows: string[][] = [];
  for (const backend of settings.backends) {
    const key = matmulKey(backend);
    if (unavailable.has(backend)) {
      matmulRows.push([BACKEND_LABELS[backend], 'n/a', 'n/a']);
      continue;
    }
    matmulRows.push([BACKEND_LABELS[backend], withSpread(results.values(key, (r) => r.matmul?.nn)), withSpread(results.values(key, (r) => r.matmul?.nt))]);
  }
  if (settings.torch) {
    for (const threads of [1, 2]) {
      const key = matmulKey(`torch ${threads}`);
      matmulRows.push([`PyTorch, ${threads} thread${threads > 1 ? 's' : ''}`, withSpread(results.values(key, (r) => r.matmul?.nn)), withSpread(results.values(key, (r) => r.matmul?.nt))]);
    }
  }
  printTable('Matmul 1024² GFLOP/s (median)', ['', 'A·B', 'A·Bᵀ'], matmulRows);

  console.log('\nDevices and notes:');
  for (const backend of settings.backends) {
    const device = results.ok(matmulKey(backend))[0]?.device;
    console.log(`  ${BACKEND_LABELS[backend]}: ${unavailable.has(backend) ? `not available: ${unavailable.get(backend)}` : device}`);
  }
  if (settings.torch) {
    const torch = results.ok(matmulKey('torch 1'))[0];
    const error = results.error(matmulKey('torch 1'));
    console.log(`  PyTorch (${TORCH_PYTHON}): ${torch ? `${torch.device}, BLAS: ${torch.blas}` : `not available: ${error}`}`);
  }
  const leaks = rows.flatMap((row) =>
    models.flatMap((m) => results.ok(cellKey(row.id, m)).filter((r) => (r.leakedTensors ?? 0) > 0).map((r) => `${row.label} / ${m}: ${r.leakedTensors}`)),
  );
  console.log(`  tensors leaked per cell: ${leaks.length === 0 ? 'none' : leaks.join('; ')}`);
  const failures = rows.flatMap((row) => models.map((m) => [row, m] as const)).filter(([row, m]) => results.error(cellKey(row.id, m)));
  for (const [row, m] of failures) console.log(`  failed: ${row.label} / ${m}: ${results.error(cellKey(row.id, m))}`);
  const loadEnd = loadavg()[0];
  console.log(`  load average (1 min) at start ${loadStart[0].toFixed(1)}, at end ${loadEnd.toFixed(1)}, on ${cpus().length} logical cores`);
  if (Math.max(loadStart[0], loadEnd) > cpus().length) {
    console.log(
      '  the cores were oversubscribed: wall-clock figures are noisy, and multi-threaded cells (PyTorch 2 threads, webgpu on lavapipe) ' +
        'suffer most, their threads waiting on each other; prefer the CPU-time figures for single-thread comparisons',
    );
  }
}

/** Models whose Trainer costs over 5% more CPU per step than the bare loop on wasm. */
function overheadSuspects(settings: Settings, results: Results): ModelId[] {
  return settings.models.filter((m) => {
    const t = results.median(cellKey('trainer wasm', m), cpuSamples(m));
    const b = results.median(cellKey('bare wasm', m), cpuSamples(m));
    return t !== undefined && b !== undefined && t < b / 1.05;
  });
}

async function main(): Promise<void> {
  const settings = parseSettings(process.argv.slice(2));
  const loadStart = loadavg();
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(`Trainer bench: tfjs ${tf.version_core}, node ${process.version}, ${cpu}, ${cpus().length} logical cores`);
  console.log(
    `${settings.rounds} interleaved round(s); per cell: own process, warm-up ${settings.warmupMs} ms, then ${settings.budgetMs} ms of timed steps. ` +
      'Trainer: HF defaults (AdamW, linear schedule, max_grad_norm 1, dropout 0.1), logging every 500 steps, no eval, no checkpoints.',
  );
  for (const model of settings.models) {
    const failed = await ensureCheckpoint(model);
    if (failed) console.log(`${MODEL_TITLES[model]}: checkpoint not written (its cells will fail): ${failed}`);
  }
  const rows = rowsFor(settings);
  const results = new Results();
  const unavailable = new Map<BackendId, string>();
  await runRounds(settings, rows, results, unavailable);
  report(settings, rows, results, unavailable, loadStart);

  const suspects = settings.backends.includes('wasm') ? overheadSuspects(settings, results) : [];
  if (suspects.length > 0) {
    console.log(`\nTrainer over bare loop above 5% (CPU time, wasm) for ${suspects.join(', ')}: bench/trainer-overhead.ts`);
    if (settings.profile) {
      for (const model of suspects) {
        spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, 'trainer-overhead.ts'), '--model', model, '--backend', 'wasm'], { stdio: 'inherit' });
      }
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
