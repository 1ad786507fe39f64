/**
 * `finetune-studio export <run-dir...> --format csv|json|tensorboard [--out PATH]`: every logged
 * value of the runs, from their metrics.jsonl. csv/json: one table across runs, to PATH or stdout.
 * tensorboard: event files per run, in PATH/<run name>, or by default where `report_to:
 * tensorboard` would have written them (<run-dir>/runs/<start time>_<host>).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { defaultExportLogDir, exportTable, exportTensorBoard, loadRuns } from '../trainer/reporting/export';

const USAGE = 'Usage: finetune-studio export <run-dir...> --format csv|json|tensorboard [--out PATH]\n';
const FORMATS = ['csv', 'json', 'tensorboard'] as const;
type Format = (typeof FORMATS)[number];

interface ExportArgs {
  dirs: string[];
  format: Format;
  out?: string;
}

function parseArgs(argv: string[]): ExportArgs | string {
  const dirs: string[] = [];
  let format: string | undefined;
  let out: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const [flag, inline] = arg.startsWith('--') ? (arg.split(/=(.*)/s) as [string, string | undefined]) : [arg, undefined];
    const value = () => inline ?? argv[++i];
    if (flag === '--format') format = value();
    else if (flag === '--out') out = value();
    else if (arg.startsWith('-')) return `unknown option '${arg}'`;
    else dirs.push(arg);
  }
  if (dirs.length === 0) return 'no run folder given';
  if (!format) return `--format is required (${FORMATS.join(', ')})`;
  if (!(FORMATS as readonly string[]).includes(format)) return `unknown format '${format}'; use ${FORMATS.join(', ')}`;
  if (out === '') return '--out needs a path';
  return { dirs: dirs.map((d) => resolve(d)), format: format as Format, out: out === undefined ? undefined : resolve(out) };
}

export async function runExport(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    process.stderr.write(`finetune-studio export: ${args}\n${USAGE}`);
    return 2;
  }
  try {
    const runs = await loadRuns(args.dirs);
    if (args.format === 'tensorboard') {
      for (const run of runs) {
        const logDir = args.out ? join(args.out, run.name) : defaultExportLogDir(run);
        for (const file of exportTensorBoard(run, logDir)) process.stderr.write(`wrote ${file}\n`);
      }
      const root = args.out ?? (runs.length === 1 ? join(runs[0]?.dir ?? '', 'runs') : undefined);
      if (root) process.stderr.write(`view with: tensorboard --logdir ${root}\n`);
      return 0;
    }
    const text = exportTable(runs, args.format);
    if (!args.out) {
      process.stdout.write(text);
      return 0;
    }
    mkdirSync(dirname(args.out), { recursive: true });
    writeFileSync(args.out, text);
    process.stderr.write(`wrote ${args.out}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`finetune-studio export: ${(error as Error).message}\n`);
    return 1;
  }
}
