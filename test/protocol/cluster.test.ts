/** The language server on `*.cluster.yaml` (over stdio): the one cluster schema's diagnostics, completion and hover. */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { MarkupContent } from 'vscode-languageserver-protocol/node';
import { pathToUri } from '../../server/uri';
import { LspTestClient, copyFixtures, itemsOf } from './lsp-client';

const CLUSTER = 'partition: gpu\npartiton: cpu\ncpus_per_task: 0\ntime: "01:00:00"\n\n';

describe('language server: cluster files', () => {
  let root: string;
  let client: LspTestClient;

  before(async () => {
    root = copyFixtures();
    client = await LspTestClient.start({ rootPath: root, initializationOptions: { diagnosticsDelayMs: 20 } });
  });

  after(async () => {
    assert.equal(await client.stop(), 0);
    rmSync(root, { recursive: true, force: true });
  });

  it('validates against the cluster schema at each key, completes the keys not yet present, hovers with the docs', async () => {
    const path = join(root, 'gpu.cluster.yaml');
    writeFileSync(path, CLUSTER);
    const uri = pathToUri(path);
    const version = await client.open(uri, 'yaml', CLUSTER);
    const { diagnostics } = await client.diagnosticsForVersion(uri, version);
    const messages = diagnostics.map((d) => `${d.range.start.line}:${d.range.start.character} ${d.message}`);
    assert.equal(diagnostics.length, 2, messages.join('\n'));
    assert.match(messages[0], /^1:0 unknown key `partiton` .*known keys: .*partition/);
    assert.match(messages[1], /^2:15 .*cpus_per_task/);
    const keys = itemsOf(await client.completion(uri, { line: 4, character: 0 })).map((i) => i.label);
    assert.ok(keys.includes('gres') && keys.includes('ssh_host') && keys.includes('signal_seconds'), keys.join(', '));
    assert.ok(!keys.includes('partition') && !keys.includes('time'), 'keys already present are not offered');
    const hover = await client.hover(uri, { line: 3, character: 1 });
    assert.match((hover?.contents as MarkupContent).value, /#SBATCH --time/);
  });
});
