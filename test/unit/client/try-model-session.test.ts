/**
 * The Try Model panel's message handling against the real generator process (`finetune-studio
 * generate --ipc` through tsx) on lm-core's tiny Llama: the webview's messages are checked, a send
 * becomes one numbered request, tokens stream back and `done` carries transformers' greedy text.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GeneratorProcess } from '../../../client/generator-process';
import { TryModelSession } from '../../../client/try-model-session';
import type { TryModelHostMessage } from '../../../src/protocol/generate';

const ROOT = resolve(__dirname, '../../..');
const LLAMA = join(ROOT, 'test/fixtures/hf-lm/llama');
const golden = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/generation/greedy.json'), 'utf8')) as { models: Record<string, Array<{ prompt: string; text: string }>> };

test('ready, send, stream, done; invalid and overlapping messages dropped; stop ends a generation; the process ends with the panel', async () => {
  const generator = new GeneratorProcess({ modulePath: join(ROOT, 'src/cli/main.ts'), execArgv: ['--import', 'tsx'] }, { modelPath: LLAMA, backend: 'cpu', cwd: ROOT });
  const posted: TryModelHostMessage[] = [];
  const logs: string[] = [];
  const waiters: Array<() => void> = [];
  const session = new TryModelSession(generator, (m) => { posted.push(m); waiters.splice(0).forEach((w) => w()); }, { modelPath: LLAMA, title: 'llama' }, (l) => logs.push(l));
  const until = async (predicate: () => boolean) => {
    while (!predicate()) await new Promise<void>((r) => waiters.push(r));
  };
  try {
    session.onWebviewMessage({ type: 'ready' });
    assert.deepEqual(posted[0], { type: 'init', modelPath: LLAMA, title: 'llama' });
    await until(() => posted.some((m) => m.type === 'loaded' || m.type === 'failed'));
    const loaded = posted.find((m) => m.type === 'loaded');
    assert.ok(loaded && loaded.type === 'loaded', JSON.stringify(posted));
    assert.equal(loaded.modelType, 'llama');
    assert.equal(loaded.chatTemplate, false);
    assert.deepEqual(loaded.defaults, { max_new_tokens: 32, do_sample: false, temperature: 1, top_k: 50, top_p: 1 });

    session.onWebviewMessage({ type: 'send', messages: [{ role: 'tool', content: 'x' }], chat: false, options: {} });
    session.onWebviewMessage({ type: 'send', messages: [{ role: 'user', content: 'x' }], chat: false, options: { max_new_tokens: 1e9 } });
    assert.equal(logs.filter((l) => l.includes('dropped an invalid message')).length, 2);

    const run = golden.models.llama[0];
    session.onWebviewMessage({ type: 'send', messages: [{ role: 'user', content: run.prompt }], chat: false, options: { max_new_tokens: 20 } });
    session.onWebviewMessage({ type: 'send', messages: [{ role: 'user', content: 'again' }], chat: false, options: {} });
    await until(() => posted.some((m) => m.type === 'done'));
    const tokens = posted.filter((m) => m.type === 'token');
    const done = posted.find((m) => m.type === 'done');
    assert.ok(done && done.type === 'done');
    assert.deepEqual({ id: done.id, finish: done.finish, text: done.text, tokens: done.tokens }, { id: 1, finish: 'length', text: run.text, tokens: 20 });
    assert.equal(tokens.map((t) => (t.type === 'token' ? t.text : '')).join(''), run.text, 'the streamed pieces make the text');
    assert.ok(tokens.every((t) => t.type === 'token' && t.id === 1));
    assert.ok(logs.some((l) => l.includes('still answering')), 'a second send while answering is ignored');

    // Stop after the first token of a long generation.
    session.onWebviewMessage({ type: 'send', messages: [{ role: 'user', content: run.prompt }], chat: false, options: { max_new_tokens: 50 } });
    await until(() => posted.some((m) => m.type === 'token' && m.id === 2));
    session.onWebviewMessage({ type: 'stop' });
    await until(() => posted.some((m) => m.type === 'done' && m.id === 2));
    const stopped = posted.find((m) => m.type === 'done' && m.id === 2);
    assert.ok(stopped && stopped.type === 'done' && stopped.finish === 'stopped' && stopped.tokens < 50, JSON.stringify(stopped));
  } finally {
    const how = await generator.dispose();
    assert.match(how, /stopped \(SIGTERM\)|ended/);
  }
  await until(() => posted.some((m) => m.type === 'closed'));
});
