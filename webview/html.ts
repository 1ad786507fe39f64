/**
 * The dashboard page. Pure (no vscode import): the extension host serves it in the panel and the
 * browser test serves the very same page, so both run under the same Content Security Policy.
 * The bundle builds its DOM itself; the body only holds a mount point and a no-script hint.
 */

export interface DashboardHtmlOptions {
  /** webview.asWebviewUri of dist/webview/main.js. */
  scriptUri: string;
  /** webview.asWebviewUri of dist/webview/main.css. */
  styleUri: string;
  /** webview.cspSource. */
  cspSource: string;
  /** A fresh random nonce per render (base64 or hex, at least 128 bits). */
  nonce: string;
  /** The document title (the Try Model panel uses this page too). */
  title?: string;
}

/** The Content-Security-Policy the page declares (also usable as an HTTP header in tests). */
export function dashboardCsp(cspSource: string, nonce: string): string {
  return [
    `default-src 'none'`,
    `img-src ${cspSource} data:`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
  ].join('; ');
}

function escapeAttr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function renderDashboardHtml(options: DashboardHtmlOptions): string {
  const { scriptUri, styleUri, cspSource, nonce, title = 'Fine-Tune Studio' } = options;
  if (!/^[A-Za-z0-9+/=_-]{16,}$/.test(nonce)) throw new Error('renderDashboardHtml: nonce must be 16+ base64/hex characters');
  const a = escapeAttr;
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <meta http-equiv="Content-Security-Policy" content="${a(dashboardCsp(cspSource, nonce))}">
    <meta name="viewport" content="width=device-width, initial-scale=1.0">
    <title>${a(title)}</title>
    <link rel="stylesheet" href="${a(styleUri)}" nonce="${a(nonce)}">
  </head>
  <body>
    <main id="app" aria-busy="true"></main>
    <script nonce="${a(nonce)}" src="${a(scriptUri)}"></script>
  </body>
</html>
`;
}
