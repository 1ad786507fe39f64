import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dashboardCsp, renderDashboardHtml } from '../../../webview/html';

const nonce = 'q2Jk1h0V7cYx3PZr9s8tUw==';
const options = {
  scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/main.js',
  styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/main.css',
  cspSource: 'https://*.vscode-cdn.net',
  nonce,
};

test('the page declares the nonce CSP and loads only the bundle', () => {
  const html = renderDashboardHtml(options);
  assert.equal(
    dashboardCsp(options.cspSource, nonce),
    `default-src 'none'; img-src https://*.vscode-cdn.net data:; style-src https://*.vscode-cdn.net 'nonce-${nonce}'; script-src 'nonce-${nonce}'; font-src https://*.vscode-cdn.net`,
  );
  assert.ok(html.includes(`content="${dashboardCsp(options.cspSource, nonce)}"`));
  assert.equal(html.match(/<script\b/g)?.length, 1);
  assert.ok(html.includes(`<script nonce="${nonce}" src="${options.scriptUri}"></script>`));
  assert.ok(html.includes(`<link rel="stylesheet" href="${options.styleUri}" nonce="${nonce}">`));
  assert.ok(!/\sstyle=/.test(html), 'no inline style attributes');
  assert.ok(!html.includes('codicon'));
});

test('attribute values are escaped and weak nonces refused', () => {
  const html = renderDashboardHtml({ ...options, scriptUri: 'https://x/a.js?"><script>alert(1)</script>' });
  assert.ok(!html.includes('"><script>alert'));
  assert.ok(html.includes('&quot;&gt;&lt;script&gt;'));
  assert.throws(() => renderDashboardHtml({ ...options, nonce: 'abc' }), /nonce/);
  assert.throws(() => renderDashboardHtml({ ...options, nonce: `${nonce}" onload="x` }), /nonce/);
});
