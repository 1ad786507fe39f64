/**
 * The Try Model chat panel in headless Chromium under the real CSP, with a stand-in host: what it
 * posts (ready, send with the conversation and options, stop), how it shows streamed tokens and
 * a finished answer, and that it drops malformed host messages and shows model text as text.
 * Saves docs/images/try-model.png.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { GeneratorLoaded, TryModelHostMessage } from '../../src/protocol/generate';
import { buildWebviewBundle, CHROMIUM_PATH, launchChromium, openDashboard, posted, ROOT, serveDashboard, type DashboardServer } from './harness';
import { DARK_THEME } from './themes';

const loaded: GeneratorLoaded = {
  type: 'loaded', modelPath: '/w/runs/tiny-chat/checkpoint-60', modelType: 'llama', chatTemplate: true, backend: 'wasm',
  defaults: { max_new_tokens: 48, do_sample: false, temperature: 1, top_k: 50, top_p: 1 },
};

const chromiumMissing = !existsSync(CHROMIUM_PATH) && !process.env.CI;

describe('Try Model chat panel', { skip: chromiumMissing && `no Chromium at ${CHROMIUM_PATH}` }, () => {
  let browser: Browser;
  let server: DashboardServer;
  let page: Page;
  let consoleErrors: string[];
  /** Host messages go in as raw values: the page's guard must reject the malformed ones. */
  const send = (m: TryModelHostMessage | Record<string, unknown>) => page.evaluate((json) => window.postMessage(JSON.parse(json), '*'), JSON.stringify(m));
  const lastPosted = async () => (await posted(page)).pop();
  const contents = () => page.locator('#chat-log .turn .content').allInnerTexts();

  before(async () => {
    server = await serveDashboard(await buildWebviewBundle('webview/chat/main.ts'));
    browser = await launchChromium();
    ({ page, consoleErrors } = await openDashboard(browser, server.url, { themeClass: 'vscode-dark', themeVars: DARK_THEME, viewport: { width: 760, height: 560 } }));
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('waits for the model: input disabled until loaded, then the model defaults fill the options', async () => {
    assert.equal(await page.locator('#chat-input').isDisabled(), true);
    await send({ type: 'init', modelPath: loaded.modelPath, title: 'tiny-chat · checkpoint-60' });
    await send(loaded);
    await page.waitForFunction(() => document.getElementById('chat-status')?.dataset.status === 'ready');
    assert.equal(await page.locator('#chat-title').innerText(), 'tiny-chat · checkpoint-60');
    assert.match(await page.locator('#chat-status').innerText(), /Ready · llama on wasm/);
    assert.equal(await page.locator('#opt-chat').isChecked(), true);
    assert.equal(await page.locator('#opt-max-new-tokens').inputValue(), '48');
    assert.equal(await page.locator('#chat-input').isDisabled(), false);
  });

  test('Enter sends the conversation with the options; tokens stream in; done settles the answer', async () => {
    await page.locator('#chat-input').fill('What color is the sky?');
    await page.locator('#chat-input').press('Enter');
    assert.deepEqual(await lastPosted(), {
      type: 'send', chat: true, messages: [{ role: 'user', content: 'What color is the sky?' }], options: { max_new_tokens: 48, do_sample: false },
    });
    assert.equal(await page.locator('#chat-send').isDisabled(), true, 'one generation at a time');
    assert.equal(await page.locator('#chat-stop').isDisabled(), false);
    await send({ type: 'token', id: 1, text: 'The sky' });
    await send({ type: 'token', id: 1, text: ' is' });
    await page.waitForFunction(() => document.querySelector('#chat-log .turn.streaming .content')?.textContent === 'The sky is');
    await send({ type: 'done', id: 1, finish: 'eos', text: 'The sky is blue.', tokens: 6, seconds: 0.42 });
    await page.waitForFunction(() => document.getElementById('chat-status')?.dataset.status === 'ready');
    assert.deepEqual(await contents(), ['What color is the sky?', 'The sky is blue.']);
    assert.equal(await page.locator('#chat-log .turn.assistant .note').innerText(), '6 tokens · 0.4 s · end of sequence');
    await page.screenshot({ path: join(ROOT, 'docs/images/try-model.png') });
  });

  test('the next message carries the history; sampling options go with it; Stop posts stop', async () => {
    await page.locator('#opt-do-sample').check();
    await page.locator('#opt-temperature').fill('0.7');
    await page.locator('#chat-input').fill('And at night?');
    await page.locator('#chat-send').click();
    assert.deepEqual(await lastPosted(), {
      type: 'send', chat: true,
      messages: [
        { role: 'user', content: 'What color is the sky?' },
        { role: 'assistant', content: 'The sky is blue.' },
        { role: 'user', content: 'And at night?' },
      ],
      options: { max_new_tokens: 48, do_sample: true, temperature: 0.7 },
    });
    await page.locator('#chat-stop').click();
    assert.deepEqual(await lastPosted(), { type: 'stop' });
    await send({ type: 'token', id: 2, text: '<img src=x onerror=alert(1)>' });
    await send({ type: 'done', id: 2, finish: 'stopped', text: '<img src=x onerror=alert(1)>', tokens: 3, seconds: 0.1 });
    await page.waitForFunction(() => document.getElementById('chat-status')?.dataset.status === 'ready');
    assert.equal((await contents()).pop(), '<img src=x onerror=alert(1)>');
    assert.equal(await page.locator('#chat-log img').count(), 0, 'model text is text');
  });

  test('malformed host messages are dropped; a model that fails to load closes the panel', async () => {
    const before = await contents();
    await send({ type: 'token', id: 'x', text: 'nope' });
    await send({ type: 'done', id: 3, finish: 'maybe', text: '', tokens: 0, seconds: 0 });
    await send({ type: 'loaded', modelPath: '/x' });
    assert.deepEqual(await contents(), before);
    await send({ type: 'failed', message: 'config.json: model_type "t5" is not a causal LM' });
    await page.waitForFunction(() => document.getElementById('chat-status')?.dataset.status === 'closed');
    assert.equal(await page.locator('#chat-input').isDisabled(), true);
    assert.match((await contents()).pop() ?? '', /not a causal LM/);
  });

  test('no CSP violations; only the malformed messages were reported', async () => {
    assert.deepEqual(await page.evaluate(() => window.__fts.cspViolations), []);
    assert.deepEqual(consoleErrors, []);
  });
});
