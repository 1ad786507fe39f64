/**
 * Where TensorBoard event files go, as transformers 5 decides it: `logging_dir` when the config sets
 * it (transformers 4 had the field; 5 reads TENSORBOARD_LOGGING_DIR instead), else that variable,
 * else `<output_dir>/runs/<Mon DD_HH-MM-SS>_<hostname>` (`default_logdir()`, torch's default).
 */
import { homedir, hostname } from 'node:os';
import { join, resolve } from 'node:path';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

/** Python's `datetime.now().strftime("%b%d_%H-%M-%S") + "_" + socket.gethostname()`, in local time. */
export function defaultLogdirName(date: Date, host = hostname()): string {
  return `${MONTHS[date.getMonth()]}${two(date.getDate())}_${two(date.getHours())}-${two(date.getMinutes())}-${two(date.getSeconds())}_${host}`;
}

export interface LoggingDirInput {
  /** `training_args.logging_dir` as written, relative to the config file's folder. */
  loggingDir: string | null | undefined;
  configDir: string;
  /** The run's absolute output_dir. */
  outputDir: string;
  /** When the run started; names the default folder. */
  startTime: Date;
  env?: Readonly<Record<string, string | undefined>>;
}

export function resolveLoggingDir(input: LoggingDirInput): string {
  if (input.loggingDir) return resolve(input.configDir, input.loggingDir);
  const fromEnv = (input.env ?? process.env).TENSORBOARD_LOGGING_DIR;
  if (fromEnv) return resolve(expandHome(fromEnv));
  return join(input.outputDir, 'runs', defaultLogdirName(input.startTime));
}

/** HF applies os.path.expanduser to the variable. */
function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? join(homedir(), path.slice(1)) : path;
}
