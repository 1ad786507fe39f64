/**
 * Slurm jobs as the launcher sees them: submit a script (`sbatch --parsable`), read states
 * (`squeue`, then `sacct`), stop (`scancel --batch --signal=INT`), and wait for a job to start
 * or end. Failures carry the Slurm state and the job's stderr.
 */
import { existsSync, readFileSync } from 'node:fs';
import { SlurmCommandError, SlurmCommands } from './commands';

export interface JobState {
  /** `123` or `123_4` for an array task. */
  id: string;
  /** PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, OUT_OF_MEMORY, NODE_FAIL, PREEMPTED, REQUEUED, ... */
  state: string;
  /** squeue's reason (Resources, Priority, BeginTime, ...). */
  reason?: string;
  /** The batch script's exit code and the signal that ended it (0 while it runs). */
  exitCode?: number;
  signal?: number;
}

export const ACTIVE_STATES = new Set(['PENDING', 'CONFIGURING', 'RUNNING', 'COMPLETING', 'REQUEUED', 'REQUEUE_HOLD', 'REQUEUE_FED', 'RESIZING', 'SUSPENDED', 'STOPPED', 'SIGNALING', 'STAGE_OUT', 'PREEMPTED']);
export const FAILED_STATES = new Set(['FAILED', 'TIMEOUT', 'OUT_OF_MEMORY', 'NODE_FAIL', 'BOOT_FAIL', 'DEADLINE']);

export class SlurmJobs {
  constructor(readonly commands: SlurmCommands = new SlurmCommands()) {}

  /** Submits and returns the job id (`--parsable` prints `id` or `id;cluster`). */
  async submit(scriptPath: string, extra: readonly string[] = []): Promise<string> {
    const { stdout } = await this.commands.run('sbatch', ['--parsable', ...extra, scriptPath]);
    const id = stdout.trim().split(';')[0];
    if (!/^\d+$/.test(id)) throw new SlurmCommandError(`sbatch printed no job id (got ${JSON.stringify(stdout.trim())})`, 'sbatch');
    return id;
  }

  /** States of a job (every task of an array). Jobs squeue no longer knows come from sacct. */
  async states(jobId: string): Promise<JobState[]> {
    // -r: one line per array task, pending ones included; exit_code is the raw wait status.
    const { stdout } = await this.commands.run('squeue', ['-h', '-r', '--states=all', '-j', jobId, '-O', 'JobArrayID:|,State:|,Reason:|,exit_code:']);
    const fromSqueue = parseRows(stdout).map(({ fields: [status], ...s }) => ({ ...s, ...waitStatus(Number(status)) }));
    if (fromSqueue.length > 0) return fromSqueue;
    try {
      const sacct = await this.commands.run('sacct', ['-n', '-X', '-P', '-j', jobId, '-o', 'JobID,State,Reason,ExitCode']);
      return parseRows(sacct.stdout).map(({ fields: [exit], ...s }) => {
        // sacct: `CANCELLED by 0`, exit `code:signal`.
        const [code, signal] = (exit ?? '').split(':').map(Number);
        return { ...s, state: s.state.split(' ')[0], ...(Number.isFinite(code) ? { exitCode: code } : {}), ...(signal ? { signal } : {}) };
      });
    } catch {
      return [];
    }
  }

  /** Stop with a checkpoint: INT to the batch shell, which forwards it to the trainer. */
  async stop(jobId: string): Promise<void> {
    await this.commands.run('scancel', ['--batch', '--signal=INT', jobId]);
  }

  /** Preemption warning: USR1 to the batch shell (what `--signal=B:USR1@N` sends at the time limit). */
  async preempt(jobId: string): Promise<void> {
    await this.commands.run('scancel', ['--batch', '--signal=USR1', jobId]);
  }

  async cancel(jobId: string): Promise<void> {
    await this.commands.run('scancel', [jobId]);
  }

  /** Waits until `done(states)`; throws when `timeoutMs` passes first, with what Slurm last said. */
  async waitFor(jobId: string, done: (states: JobState[]) => boolean, timeoutMs: number, what: string, intervalMs = 500): Promise<JobState[]> {
    const deadline = Date.now() + timeoutMs;
    let states: JobState[] = [];
    for (;;) {
      states = await this.states(jobId);
      if (done(states)) return states;
      if (Date.now() > deadline) {
        const described = states.map((s) => `${s.id} ${s.state}${s.reason && s.reason !== 'None' ? ` (${s.reason})` : ''}`).join(', ') || 'not known to squeue or sacct';
        throw new SlurmCommandError(`job ${jobId} did not ${what} within ${Math.round(timeoutMs / 1000)} s: ${described}. Check the partition, gres and limits (squeue -j ${jobId}), or cancel it (scancel ${jobId}).`, 'squeue');
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }

  /** Waits for the job to start running (or end); a job still pending at the timeout is an error. */
  waitForStart(jobId: string, timeoutMs: number): Promise<JobState[]> {
    return this.waitFor(jobId, (s) => s.length > 0 && s.every((j) => j.state !== 'PENDING'), timeoutMs, 'start');
  }

  waitForEnd(jobId: string, timeoutMs: number): Promise<JobState[]> {
    return this.waitFor(jobId, (s) => s.length > 0 && s.every((j) => !ACTIVE_STATES.has(j.state)), timeoutMs, 'end');
  }
}

function parseRows(text: string): (JobState & { fields: string[] })[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((line) => {
      const [id, state, reason, ...fields] = line.split('|').map((f) => f.trim());
      return { id, state, ...(reason && reason !== 'None' ? { reason } : {}), fields };
    });
}

/** squeue's exit_code is a wait(2) status: the code in the high byte, the signal in the low bits. */
function waitStatus(status: number): { exitCode?: number; signal?: number } {
  if (!Number.isInteger(status) || status < 0) return {};
  const signal = status & 0x7f;
  return { exitCode: status >> 8, ...(signal ? { signal } : {}) };
}

const HINTS: Readonly<Record<string, string>> = {
  OUT_OF_MEMORY: ' (out of memory: raise `mem` in the cluster file)',
  TIMEOUT: ' (hit the time limit: raise `time`, or rely on the USR1 requeue)',
  NODE_FAIL: ' (the node failed; the job can be resubmitted and resumes from its last checkpoint)',
  CANCELLED: ' (scancel, or an administrator)',
};

/** `Slurm job 12 ended TIMEOUT (hit the time limit: ...), exit code 0, signal 15.` */
export function jobEndSummary(state: JobState): string {
  const exit = state.exitCode !== undefined ? `, exit code ${state.exitCode}${state.signal ? `, signal ${state.signal}` : ''}` : '';
  return `Slurm job ${state.id} ended ${state.state}${HINTS[state.state] ?? ''}${exit}.`;
}

/** The last `lines` lines of a job's stderr file, or undefined when there is none (yet). */
export function stderrTail(errFile: string, lines = 15): string[] | undefined {
  if (!existsSync(errFile)) return undefined;
  const text = readFileSync(errFile, 'utf8').trim();
  return text ? text.split('\n').slice(-lines) : [];
}

/** What a failed job says: its Slurm state and the tail of its stderr file. */
export function describeJobFailure(state: JobState, errFile: string): string {
  const tail = stderrTail(errFile)?.join('\n') ?? '(no stderr file)';
  return `${jobEndSummary(state)} stderr (${errFile}):\n${tail}`;
}
