/** The failure banner: the error, and a link to its location that opens it in the editor. */
import type { OpenLocationMessage } from '../../src/protocol/webview';
import { h, replaceChildren } from '../dom';
import { baseName } from '../format';
import type { RunView } from '../store';

export class FailureView {
  readonly element = h('section', { class: 'failure', role: 'alert', id: 'failure', hidden: true });
  private last: RunView | undefined | null = null;

  constructor(private readonly post: (m: OpenLocationMessage) => void) {}

  update(view: RunView | undefined): void {
    if (view === this.last) return;
    this.last = view;
    this.element.hidden = view?.status !== 'failed';
    if (!view || view.status !== 'failed') return;
    const error = view.failure;
    const loc = error?.location;
    const link = loc
      ? h(
          'a',
          { href: '#', class: 'failure-location', id: 'failure-location', title: `Open ${loc.file}` },
          `${baseName(loc.file)}:${loc.line}:${loc.column}`,
        )
      : null;
    link?.addEventListener('click', (e) => {
      e.preventDefault();
      this.post({ type: 'openLocation', file: loc!.file, line: loc!.line, column: loc!.column });
    });
    replaceChildren(
      this.element,
      h('div', { class: 'failure-icon', 'aria-hidden': 'true' }, '!'),
      h(
        'div',
        { class: 'failure-body' },
        h('div', { class: 'failure-title' }, `Run failed at step ${view.progress.step}`, link ? ' in ' : null, link),
        h('div', { class: 'failure-message', id: 'failure-message' }, error?.message ?? 'The trainer process ended without a reason.'),
        error?.stack ? h('details', { class: 'failure-stack' }, h('summary', {}, 'Stack trace'), h('pre', {}, error.stack)) : null,
      ),
    );
  }
}
