/** The checkpoint list, newest first, the best one marked. */
import { h, replaceChildren, setText } from '../dom';
import { baseName, formatTime } from '../format';
import type { CheckpointView } from '../store';

export class CheckpointsView {
  readonly element: HTMLElement;
  private readonly list = h('ul', { class: 'checkpoint-list', id: 'checkpoint-list', 'aria-label': 'Checkpoints' });
  private readonly count = h('span', { class: 'count' });
  private last: readonly CheckpointView[] | undefined | null = null;

  constructor() {
    this.element = h('section', { class: 'panel checkpoints' }, h('h2', {}, 'Checkpoints ', this.count), this.list);
  }

  update(checkpoints: readonly CheckpointView[] | undefined): void {
    if (checkpoints === this.last) return;
    this.last = checkpoints;
    const list = checkpoints ?? [];
    setText(this.count, String(list.length));
    if (list.length === 0) {
      replaceChildren(this.list, h('li', { class: 'empty' }, 'No checkpoints yet.'));
      return;
    }
    replaceChildren(
      this.list,
      ...[...list].reverse().map((c) =>
        h(
          'li',
          { class: `checkpoint${c.isBest ? ' best' : ''}`, 'data-step': c.step, title: c.path },
          h('span', { class: 'checkpoint-name' }, baseName(c.path)),
          c.isBest ? h('span', { class: 'best-badge', title: 'Best by metric_for_best_model' }, '★ best') : null,
          h('span', { class: 'checkpoint-meta' }, `step ${c.step} · ${formatTime(c.time)}`),
        ),
      ),
    );
  }
}
