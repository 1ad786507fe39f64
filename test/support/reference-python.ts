/**
 * The reference Python (torch, transformers, peft, tensorboard) that parity tests compare
 * against at run time. scripts/setup-python.sh creates it in .venv; FTS_PYTHON overrides.
 * Where it is required (CI sets FTS_REQUIRE_PYTHON=1), a missing interpreter fails the test
 * instead of skipping it, so a broken setup cannot pass as green.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const repoRoot = resolve(__dirname, '..', '..');

/** Path of the reference interpreter, or undefined when none is set up. */
export function referencePython(): string | undefined {
  const fromEnv = process.env.FTS_PYTHON;
  if (fromEnv) return fromEnv;
  const venv = join(repoRoot, '.venv', 'bin', 'python');
  return existsSync(venv) ? venv : undefined;
}

/**
 * For node:test's `skip` option: false when the reference Python is there, else the reason
 * to skip. Throws where FTS_REQUIRE_PYTHON=1 (CI), since a skip there would hide a failure.
 */
export function skipWithoutPython(): false | string {
  if (referencePython()) return false;
  const reason = 'no reference Python: run scripts/setup-python.sh (or set FTS_PYTHON)';
  if (process.env.FTS_REQUIRE_PYTHON === '1') throw new Error(`FTS_REQUIRE_PYTHON=1 but ${reason}`);
  return reason;
}

/** Runs a Python script file with arguments (an argument array, no shell); returns stdout. */
export function runPython(script: string, args: readonly string[], options: { input?: string; timeoutMs?: number } = {}): string {
  const python = referencePython();
  if (!python) throw new Error('no reference Python: run scripts/setup-python.sh');
  const result = spawnSync(python, [script, ...args], {
    encoding: 'utf8',
    input: options.input,
    timeout: options.timeoutMs ?? 120_000,
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, PYTHONHASHSEED: '0', TOKENIZERS_PARALLELISM: 'false', OMP_NUM_THREADS: '1' },
  });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${script} exited ${result.status}:\n${result.stderr}`);
  return result.stdout;
}
