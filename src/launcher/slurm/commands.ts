/**
 * Runs Slurm's commands (sbatch, squeue, sacct, scancel, scontrol) locally or on a login node
 * over ssh, always from argument arrays. Over ssh the remote shell joins the words again, so each
 * one is single-quoted there: user input never becomes shell syntax on either side.
 */
import { execFile } from 'node:child_process';

export interface CommandResult {
  stdout: string;
  stderr: string;
  code: number;
}

export class SlurmCommandError extends Error {
  constructor(
    message: string,
    readonly command: string,
    readonly result?: CommandResult,
  ) {
    super(message);
  }
}

export interface SlurmCommandsOptions {
  /** Run on this host over ssh instead of locally. */
  sshHost?: string;
  /** ssh options before the host (`-p`, `-i`, `-F`); normally ~/.ssh/config says these. */
  sshOptions?: readonly string[];
  /** Directory holding the Slurm binaries (tests point it at a missing one); default: PATH. */
  binDir?: string;
  timeoutMs?: number;
}

/** A word quoted for a POSIX shell: 'it'\''s'. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export class SlurmCommands {
  constructor(private readonly options: SlurmCommandsOptions = {}) {}

  /** Runs `command args...`; a missing command or a non-zero exit is a SlurmCommandError saying which and why. */
  async run(command: string, args: readonly string[]): Promise<CommandResult> {
    const binary = this.options.binDir ? `${this.options.binDir}/${command}` : command;
    const [file, argv] = this.options.sshHost
      ? ['ssh', ['-o', 'BatchMode=yes', ...(this.options.sshOptions ?? []), this.options.sshHost, '--', [binary, ...args].map(shellQuote).join(' ')]]
      : [binary, [...args]];
    const where = this.options.sshHost ? ` on ${this.options.sshHost}` : '';
    const result = await new Promise<CommandResult & { missing?: boolean; timedOut?: boolean }>((resolve) => {
      execFile(file, argv, { timeout: this.options.timeoutMs ?? 30_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ stdout, stderr, code, missing: error?.code === 'ENOENT', timedOut: error?.killed === true });
      });
    });
    if (result.missing) {
      throw new SlurmCommandError(
        `${file === 'ssh' ? 'ssh' : command} was not found${file === 'ssh' ? '' : ` (looked for ${binary} on PATH)`}: is Slurm installed here? To submit from a login node, set \`ssh_host\` in the cluster file.`,
        command,
      );
    }
    if (result.timedOut) throw new SlurmCommandError(`${command}${where} did not answer within ${(this.options.timeoutMs ?? 30_000) / 1000} s; is slurmctld up?`, command, result);
    // ssh itself exits 255 when it cannot connect or log in (the remote command's own codes pass through).
    if (this.options.sshHost && result.code === 255) {
      throw new SlurmCommandError(
        `could not reach ${this.options.sshHost} over ssh to run ${command}: ${result.stderr.trim() || 'no message'}. Check \`ssh_host\` in the cluster file and that \`ssh ${this.options.sshHost}\` logs in without a password prompt (keys or an agent).`,
        command,
        result,
      );
    }
    // ssh exits 127 when the remote shell cannot find the command.
    if (this.options.sshHost && result.code === 127) throw new SlurmCommandError(`${command} was not found${where}: ${result.stderr.trim()}`, command, result);
    if (result.code !== 0) {
      throw new SlurmCommandError(`${command}${where} failed (exit ${result.code}): ${result.stderr.trim() || result.stdout.trim() || 'no output'}`, command, result);
    }
    return result;
  }
}
