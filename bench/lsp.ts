/**
 * Language-server latency over stdio: completion, hover and full-diagnostics p50/p95 on a
 * generated ~300-line config and on an override module, plus resident memory. Red Hat's
 * yaml-language-server, configured with our generated JSON Schema, answers the same config
 * requests in the same run as a peer. Prints figures; asserts nothing.  Run: npx tsx bench/lsp.ts
 */
import { build } from 'esbuild';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Position } from 'vscode-languageserver-protocol/node';
import { pathToUri } from '../server/uri';
import { LspTestClient, REPO_ROOT } from '../test/protocol/lsp-client';
import { OVERRIDE_MODULE, generateConfig } from './lsp/generate';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);
const DIAGNOSTIC_ROUNDS = Number(process.env.BENCH_DIAGNOSTIC_ROUNDS ?? 40);
const WARMUP = 20;

type Stats = { p50: number; p95: number; n: number };

function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { p50: at(0.5), p95: at(0.95), n: sorted.length };
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

function rssMiB(pid: number | undefined): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    return Number.isFinite(kb) ? kb / 1024 : undefined;
  } catch {
    return undefined; // not Linux
  }
}

/** Positions in the config: key slots, values, and every key for hover. */
function configPositions(text: string) {
  const lines = text.split('\n');
  const find = (prefix: string) => lines.findIndex((l) => l.startsWith(prefix));
  const blank = find('  ') >= 0 ? lines.findIndex((l, i) => l === '  ' && i > 0) : -1;
  const valueLine = find('  eval_strategy:');
  const completion: Position[] = [
    { line: blank, character: 2 },
    { line: valueLine, character: lines[valueLine].length },
    { line: find('  learning_rate:'), character: 6 },
  ];
  const hover: Position[] = lines.flatMap((l, line) => (/^ {0,2}[a-z_]+:/.test(l) ? [{ line, character: l.search(/\S/) + 2 }] : []));
  return { completion, hover };
}

interface Figures {
  completion: Stats;
  hover: Stats;
  diagnostics: Stats;
  rss?: number;
  completionItems: number;
  diagnosticsCount: number;
}

async function measureDocument(client: LspTestClient, uri: string, language: string, text: string, completion: Position[], hover: Position[], mutate: (i: number) => string): Promise<Figures> {
  await client.open(uri, language, text);
  const firstDiagnostics = await client.nextDiagnostics(uri);
  for (let i = 0; i < WARMUP; i++) {
    await client.completion(uri, completion[i % completion.length]);
    await client.hover(uri, hover[i % hover.length]);
  }
  const completionTimes: number[] = [];
  let completionItems = 0;
  for (let i = 0; i < ROUNDS; i++) {
    completionTimes.push(
      await timed(async () => {
        const result = await client.completion(uri, completion[i % completion.length]);
        if (i === 0) completionItems = result === null ? 0 : Array.isArray(result) ? result.length : result.items.length;
      }),
    );
  }
  const hoverTimes: number[] = [];
  for (let i = 0; i < ROUNDS; i++) hoverTimes.push(await timed(() => client.hover(uri, hover[i % hover.length])));
  const diagnosticTimes: number[] = [];
  for (let i = 0; i < DIAGNOSTIC_ROUNDS; i++) {
    const next = client.nextDiagnostics(uri);
    diagnosticTimes.push(await timed(async () => {
      await client.change(uri, mutate(i));
      await next;
    }));
  }
  return {
    completion: stats(completionTimes),
    hover: stats(hoverTimes),
    diagnostics: stats(diagnosticTimes),
    rss: rssMiB(client.child.pid),
    completionItems,
    diagnosticsCount: firstDiagnostics.diagnostics.length,
  };
}

const fmt = (ms: number) => `${ms.toFixed(2)} ms`.padStart(10);

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'fts-bench-lsp-'));
  try {
    const configText = generateConfig().replace('training_args:\n', 'training_args:\n  \n');
    const configPath = join(root, 'bench.trainer.yaml');
    const overridePath = join(root, 'bench_trainer.ts');
    mkdirSync(join(root, 'data'));
    writeFileSync(configPath, configText);
    writeFileSync(overridePath, OVERRIDE_MODULE);
    writeFileSync(join(root, 'data/train.jsonl'), Array.from({ length: 2000 }, (_, i) => JSON.stringify({ text: `example ${i}`, label: i % 2 })).join('\n'));
    const bundle = join(root, 'server.js');
    await build({
      entryPoints: [join(REPO_ROOT, 'server/server.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      outfile: bundle,
      logLevel: 'warning',
      // As scripts/build.mjs: jsonc-parser's UMD build requires modules dynamically, which a bundle cannot follow.
      alias: { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' },
    });

    const lines = configText.split('\n').length;
    console.log(`config: ${lines} lines; ${ROUNDS} completion and hover requests, ${DIAGNOSTIC_ROUNDS} edits for diagnostics; node ${process.version}`);
    const { completion, hover } = configPositions(configText);
    const mutateConfig = (i: number) => configText.replace('seed: 42', `seed: ${43 + i}`);
    const configUri = pathToUri(configPath);

    // Ours: the bundled server, as `node dist/server.js --stdio` runs it; no debounce, so the figure is the work itself.
    const ours = await LspTestClient.start({ args: [bundle, '--stdio'], rootPath: root, initializationOptions: { diagnosticsDelayMs: 0 } });
    const oursConfig = await measureDocument(ours, configUri, 'yaml', configText, completion, hover, mutateConfig);
    const overrideLines = OVERRIDE_MODULE.split('\n');
    const overrideCompletion = [{ line: 5, character: overrideLines[5].indexOf('inputs;') + 'inputs'.length }];
    const overrideText = OVERRIDE_MODULE.replace('const { labels, ...features } = inputs;', 'const { labels, ...features } = inputs; const k = inputs.');
    const overrideHover = [{ line: 4, character: overrideLines[4].indexOf('computeLoss') + 3 }];
    const oursOverride = await measureDocument(
      ours,
      pathToUri(overridePath),
      'typescript',
      overrideText,
      [{ line: 5, character: overrideText.split('\n')[5].length }, ...overrideCompletion],
      overrideHover,
      (i) => overrideText.replace('1e-7', `1e-${7 + (i % 3)}`),
    );
    const oursRss = rssMiB(ours.child.pid);
    await ours.stop();

    // Ours again with its default 200 ms debounce: what a user waits for, like the peer's built-in 200 ms validation delay.
    const oursDebounced = await LspTestClient.start({ args: [bundle, '--stdio'], rootPath: root });
    const debouncedTimes: number[] = [];
    await oursDebounced.open(configUri, 'yaml', configText);
    await oursDebounced.nextDiagnostics(configUri);
    for (let i = 0; i < Math.min(DIAGNOSTIC_ROUNDS, 30); i++) {
      const next = oursDebounced.nextDiagnostics(configUri);
      debouncedTimes.push(await timed(async () => {
        await oursDebounced.change(configUri, mutateConfig(i));
        await next;
      }));
    }
    await oursDebounced.stop();

    // The peer: yaml-language-server with our JSON Schema mapped onto *.trainer.yaml.
    const yamlSettings = {
      schemas: { [pathToUri(join(REPO_ROOT, 'schemas/trainer-config.schema.json'))]: ['*.trainer.yaml'] },
      validate: true,
      hover: true,
      completion: true,
      format: { enable: false },
    };
    const peer = await LspTestClient.start({
      args: [join(REPO_ROOT, 'node_modules/yaml-language-server/bin/yaml-language-server'), '--stdio'],
      rootPath: root,
      configuration: (section) => (section === 'yaml' ? yamlSettings : section === undefined ? { yaml: yamlSettings } : null),
    });
    await peer.notify('workspace/didChangeConfiguration', { settings: { yaml: yamlSettings } });
    const peerConfig = await measureDocument(peer, configUri, 'yaml', configText, completion, hover, mutateConfig);
    await peer.stop();

    const rows: [string, Stats, Stats | undefined][] = [
      ['config completion', oursConfig.completion, peerConfig.completion],
      ['config hover', oursConfig.hover, peerConfig.hover],
      ['config diagnostics*', oursConfig.diagnostics, peerConfig.diagnostics],
      ['config diag. 200ms**', stats(debouncedTimes), peerConfig.diagnostics],
      ['override completion', oursOverride.completion, undefined],
      ['override hover', oursOverride.hover, undefined],
      ['override diagnostics', oursOverride.diagnostics, undefined],
    ];
    console.log(`\n${'request'.padEnd(22)}${'ours p50'.padStart(10)}${'ours p95'.padStart(10)}${'yls p50'.padStart(10)}${'yls p95'.padStart(10)}  ours/yls p50`);
    for (const [name, o, p] of rows) {
      console.log(`${name.padEnd(22)}${fmt(o.p50)}${fmt(o.p95)}${p ? fmt(p.p50) + fmt(p.p95) : ''.padStart(20)}  ${p ? (o.p50 / p.p50).toFixed(2) : '-'}`);
    }
    console.log('*  ours without debounce (the work itself); the peer always waits its built-in 200 ms validationDelayMs first');
    console.log(`** both with a 200 ms debounce, as users see them; peer work alone is about ${(peerConfig.diagnostics.p50 - 200).toFixed(1)} ms (p50 - 200)`);
    console.log(`\nresident memory: ours ${oursConfig.rss?.toFixed(1) ?? '?'} MiB with the config only, ${oursRss?.toFixed(1) ?? '?'} MiB once a trainer module loaded the TypeScript compiler;`);
    console.log(`                 ratio to the peer with the config only ${oursConfig.rss && peerConfig.rss ? (oursConfig.rss / peerConfig.rss).toFixed(2) : '?'};`);
    console.log(`                 ours ${oursRss?.toFixed(1) ?? '?'} MiB, yaml-language-server ${peerConfig.rss?.toFixed(1) ?? '?'} MiB (ratio ${oursRss && peerConfig.rss ? (oursRss / peerConfig.rss).toFixed(2) : '?'})`);
    console.log(`sanity: first completion items ours ${oursConfig.completionItems} / yls ${peerConfig.completionItems}; initial diagnostics ours ${oursConfig.diagnosticsCount} / yls ${peerConfig.diagnosticsCount}; override diagnostics ${oursOverride.diagnosticsCount}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
