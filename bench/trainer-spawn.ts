/** Runs one bench cell in a child process: a tfjs cell (bench/trainer-cell.ts) or a PyTorch one. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseResult, type CellResult, type CellSpec } from './trainer-spec';
import { BERT_MINI_DIR, SMOLLM_DIR, type ModelId } from './trainer-setup';

/** The repository's .venv (scripts/setup-python.sh: torch + transformers from the pip index). */
const VENV_PYTHON = join(__dirname, '..', '.venv', 'bin', 'python');

/** Interpreter with torch installed: TORCH_PYTHON, else .venv's, else /usr/bin/python3 (Debian's python3-torch). */
export const TORCH_PYTHON = process.env.TORCH_PYTHON ?? (existsSync(VENV_PYTHON) ? VENV_PYTHON : '/usr/bin/python3');

export type TorchSpec = { model: ModelId | 'matmul'; threads: number; warmupMs: number; budgetMs: number };

function runChild(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<CellResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ ok: false, error: `${command}: ${error.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result = parseResult(stdout);
      if (result) resolve(result);
      else {
        const why = signal === 'SIGKILL' ? `killed after ${Math.round(timeoutMs / 1000)} s` : `exit ${code}`;
        const lastLine = stderr.trim().split('\n').pop() ?? '';
        resolve({ ok: false, error: `${why}${lastLine ? `: ${lastLine}` : ''}` });
      }
    });
  });
}

/** Start-up, warm-up and teardown on a loaded machine: generous, only to catch hangs. */
const SLACK_MS = 180_000;

export function runTfjsCell(spec: CellSpec): Promise<CellResult> {
  const cell = join(__dirname, 'trainer-cell.ts');
  const warmup = 'warmupMs' in spec ? spec.warmupMs : 0;
  return runChild(process.execPath, ['--import', 'tsx', cell, JSON.stringify(spec)], process.env, warmup + spec.budgetMs + SLACK_MS);
}

/** The checkpoints both sides train, each written once by its script (needs the reference Python). */
const CHECKPOINTS: Partial<Record<ModelId, { dir: string; script: string }>> = {
  'bert-mini': { dir: BERT_MINI_DIR, script: 'make_bert_mini.py' },
  smollm: { dir: SMOLLM_DIR, script: 'make_smollm.py' },
};

/** Writes `model`'s checkpoint unless it exists; returns why it could not. */
export async function ensureCheckpoint(model: ModelId): Promise<string | undefined> {
  const checkpoint = CHECKPOINTS[model];
  if (!checkpoint || existsSync(join(checkpoint.dir, 'config.json'))) return undefined;
  return new Promise((resolve) => {
    const child = spawn(TORCH_PYTHON, [join(__dirname, checkpoint.script), checkpoint.dir], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error) => resolve(`${TORCH_PYTHON}: ${error.message}`));
    child.on('close', (code) => resolve(code === 0 ? undefined : `bench/${checkpoint.script} exited ${code}: ${stderr.trim().split('\n').pop() ?? ''}`));
  });
}

export function runTorchCell(spec: TorchSpec): Promise<CellResult> {
  const threads = String(spec.threads);
  // OpenBLAS and OpenMP pools sized like torch's intra-op threads.
  const env = { ...process.env, OMP_NUM_THREADS: threads, OPENBLAS_NUM_THREADS: threads, MKL_NUM_THREADS: threads };
  const args = [
    join(__dirname, 'torch_models.py'),
    '--model', spec.model,
    '--threads', threads,
    '--warmup-ms', String(spec.warmupMs),
    '--budget-ms', String(spec.budgetMs),
    ...(spec.model !== 'matmul' && CHECKPOINTS[spec.model] ? ['--checkpoint', CHECKPOINTS[spec.model]!.dir] : []),
  ];
  return runChild(TORCH_PYTHON, args, env, spec.warmupMs + spec.budgetMs + SLACK_MS);
}
