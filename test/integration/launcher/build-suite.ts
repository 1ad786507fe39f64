/**
 * Compiles the integration suite with esbuild into out/integration/suite/: index.js (the `run()`
 * module, mocha bundled in) and one file per *.test.ts, which mocha loads by path. `vscode` is
 * provided by the extension host.
 */
import * as esbuild from 'esbuild';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export const SUITE_OUT_DIR = join('out', 'integration', 'suite');

export async function buildSuite(root: string): Promise<string> {
  const suiteDir = join(root, 'test', 'integration', 'suite');
  const tests = readdirSync(suiteDir).filter((name) => name.endsWith('.test.ts'));
  const outdir = join(root, SUITE_OUT_DIR);
  await esbuild.build({
    entryPoints: [join(suiteDir, 'index.ts'), ...tests.map((name) => join(suiteDir, name))],
    outdir,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    external: ['vscode'],
    logLevel: 'warning',
    // mocha's parallel mode (worker files resolved at run time) is not used here.
    logOverride: { 'require-resolve-not-external': 'silent' },
  });
  return join(outdir, 'index.js');
}
