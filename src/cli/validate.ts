/**
 * `finetune-studio validate <config...> [--json]`: one problem per line as
 * `file:line:col: severity: message [CODE]` (or a JSON array with --json) on stdout;
 * "file: OK" on stderr for clean files, so stdout stays machine-readable. Exit 1 on any error.
 */
import { createNodeConfigHost, loadConfigFile } from './config-host';
import { formatProblem, hasErrors, type Problem } from '../config/problems';

const USAGE = 'Usage: finetune-studio validate <config...> [--json]\n';

export async function runValidate(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const unknownFlag = argv.find((a) => a.startsWith('-') && a !== '--json');
  const files = argv.filter((a) => !a.startsWith('-'));
  if (unknownFlag !== undefined || files.length === 0) {
    process.stderr.write(unknownFlag !== undefined ? `finetune-studio validate: unknown option '${unknownFlag}'\n${USAGE}` : USAGE);
    return 2;
  }
  const host = createNodeConfigHost();
  const all: Problem[] = [];
  for (const file of files) {
    const { problems } = await loadConfigFile(file, host);
    for (const problem of problems) all.push(problem);
    if (!json) for (const problem of problems) process.stdout.write(`${formatProblem(problem)}\n`);
    if (problems.length === 0) process.stderr.write(`${file}: OK\n`);
  }
  if (json) process.stdout.write(`${JSON.stringify(all, null, 2)}\n`);
  return hasErrors(all) ? 1 : 0;
}
