/** The config diff table: keys whose resolved values differ between two runs. */
import { h, replaceChildren } from '../dom';
import type { ConfigDiffView } from '../store';

export class ConfigDiffPanel {
  readonly element = h('section', { class: 'panel config-diff', id: 'config-diff', hidden: true, 'aria-label': 'Config diff' });
  private last: ConfigDiffView | undefined | null = null;

  constructor(
    private readonly runName: (runId: string) => string,
    private readonly close: () => void,
  ) {}

  update(diff: ConfigDiffView | undefined): void {
    if (diff === this.last) return;
    this.last = diff;
    this.element.hidden = !diff;
    if (!diff) return;
    const [a, b] = diff.runIds.map(this.runName);
    const closeButton = h('vscode-button', { secondary: true, class: 'close-diff' }, 'Close');
    closeButton.addEventListener('click', () => this.close());
    const title = h('div', { class: 'panel-title-row' }, h('h2', {}, `Config diff: ${a} ↔ ${b}`), closeButton);
    if (diff.error !== undefined) {
      replaceChildren(this.element, title, h('p', { class: 'diff-error' }, diff.error));
      return;
    }
    const value = (v: string | undefined) => (v === undefined ? h('span', { class: 'absent' }, 'not set') : h('code', {}, v));
    const body =
      diff.rows.length === 0
        ? h('p', { class: 'empty' }, 'The resolved configs are identical.')
        : h(
            'table',
            { class: 'diff-table' },
            h('thead', {}, h('tr', {}, h('th', {}, 'Key'), h('th', {}, a), h('th', {}, b))),
            h(
              'tbody',
              {},
              ...diff.rows.map((r) => h('tr', { 'data-key': r.key }, h('td', {}, h('code', {}, r.key)), h('td', {}, value(r.left)), h('td', {}, value(r.right)))),
            ),
          );
    replaceChildren(this.element, title, body);
  }
}
