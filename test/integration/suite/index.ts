/**
 * The integration suite's entry, as @vscode/test-electron and VS Code's extensionTestsPath expect:
 * a module exporting `run()`, which runs mocha over the compiled test files next to it.
 *
 * FTS_SUITE picks the files: `dev` (default) runs all but the trust check against the development folder;
 * `installed` runs the smoke and workspace-trust checks against the extension installed from the
 * .vsix, in an untrusted folder. FTS_SUITE_FILES (comma-separated, e.g. `models`) narrows it to those files.
 */
import Mocha from 'mocha';
import { join } from 'node:path';
import { format } from 'node:util';

// The workspace-trust test runs where the folder is untrusted (`installed`); in `dev` trust is
// disabled, so there it could only ever be a skip.
const SUITES: Record<string, readonly string[]> = {
  dev: ['activation', 'language', 'training', 'models', 'merge', 'slurm'],
  installed: ['installed', 'trust'],
};

/**
 * The reporter's output as whole lines. The web workbench forwards extension-host console calls
 * without applying format strings, so each line is formatted here; under the offline launcher each
 * line is also tagged, which tells test output apart from the workbench's own log.
 */
function reportWholeLines(): void {
  const tag = process.env.FTS_LAUNCHER_DIR ? '[fts:test] ' : '';
  Mocha.reporters.Base.consoleLog = (...args: unknown[]) => {
    for (const line of format(...args).split('\n')) console.log(tag + line);
  };
}

export function run(): Promise<void> {
  reportWholeLines();
  const name = process.env.FTS_SUITE ?? 'dev';
  const all = SUITES[name];
  if (!all) return Promise.reject(new Error(`FTS_SUITE=${name} is not one of ${Object.keys(SUITES).join(', ')}`));
  const wanted = process.env.FTS_SUITE_FILES?.split(',').filter(Boolean);
  const files = wanted ? all.filter((f) => wanted.includes(f)) : all;
  if (files.length === 0) return Promise.reject(new Error(`FTS_SUITE_FILES=${process.env.FTS_SUITE_FILES} names none of ${all.join(', ')}`));
  // No colours: the output is read from logs, not a terminal.
  const mocha = new Mocha({ ui: 'bdd', color: false, reporter: 'spec', timeout: 180_000 });
  for (const file of files) mocha.addFile(join(__dirname, `${file}.test.js`));
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} integration test(s) failed`)) : resolve()));
  });
}
