/**
 * Chart colours come from the VS Code theme's CSS variables (the only theming input), read
 * again whenever VS Code switches the body's vscode-light / vscode-dark / vscode-high-contrast class.
 */

export interface ChartTheme {
  /** One colour per run, in run-list order. */
  runColors: string[];
  axis: string;
  grid: string;
  font: string;
  cursor: string;
}

const RUN_COLOR_VARS: [string, string][] = [
  ['--vscode-charts-blue', '#3794ff'],
  ['--vscode-charts-orange', '#d18616'],
  ['--vscode-charts-green', '#89d185'],
  ['--vscode-charts-purple', '#b180d7'],
  ['--vscode-charts-red', '#f14c4c'],
  ['--vscode-charts-yellow', '#cca700'],
];

export function readChartTheme(root: Element = document.body): ChartTheme {
  const css = getComputedStyle(root);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  const family = v('--vscode-font-family', 'system-ui, sans-serif');
  return {
    runColors: RUN_COLOR_VARS.map(([name, fallback]) => v(name, fallback)),
    axis: v('--vscode-descriptionForeground', v('--vscode-foreground', '#888888')),
    grid: withAlpha(v('--vscode-charts-lines', v('--vscode-foreground', '#888888')), 0.14),
    cursor: withAlpha(v('--vscode-foreground', '#888888'), 0.5),
    font: `11px ${family}`,
  };
}

/** Colour with an alpha channel; understands #rgb, #rrggbb(aa) and rgb()/rgba(). */
export function withAlpha(color: string, alpha: number): string {
  const c = color.trim();
  let r: number, g: number, b: number;
  let m = /^#([0-9a-f]{3,4})$/i.exec(c);
  if (m) {
    [r, g, b] = [0, 1, 2].map((i) => parseInt(m![1][i] + m![1][i], 16));
    return `rgba(${r}, ${g}, ${b}, ${alpha})`;
  }
  m = /^#([0-9a-f]{6})([0-9a-f]{2})?$/i.exec(c);
  if (m) {
    [r, g, b] = [0, 2, 4].map((i) => parseInt(m![1].slice(i, i + 2), 16));
    return `rgba(${r}, ${g}, ${b}, ${alpha})`;
  }
  m = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/i.exec(c);
  if (m) return `rgba(${m[1]}, ${m[2]}, ${m[3]}, ${alpha})`;
  return c;
}

/**
 * Calls `onChange` when VS Code switches theme: it sets the theme class on <body> and the
 * --vscode-* variables in <html>'s style attribute.
 */
export function observeTheme(onChange: () => void): () => void {
  let last = themeSignature();
  const observer = new MutationObserver(() => {
    const now = themeSignature();
    if (now === last) return;
    last = now;
    onChange();
  });
  observer.observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-kind'] });
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
  return () => observer.disconnect();
}

function themeSignature(): string {
  return `${document.body.className}|${document.body.dataset.vscodeThemeKind ?? ''}|${document.documentElement.getAttribute('style') ?? ''}`;
}
