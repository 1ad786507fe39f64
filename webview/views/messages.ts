/** The trainer's info / warning / error messages, newest last. */
import { h, replaceChildren, setText } from '../dom';
import { formatTime } from '../format';
import type { MessageView } from '../store';

const SHOWN = 50;

export class MessagesView {
  readonly element: HTMLElement;
  private readonly list = h('ol', { class: 'message-list', id: 'message-list' });
  private readonly count = h('span', { class: 'count' });
  private last: readonly MessageView[] | undefined | null = null;

  constructor() {
    this.element = h('section', { class: 'panel messages' }, h('h2', {}, 'Messages ', this.count), this.list);
  }

  update(messages: readonly MessageView[] | undefined): void {
    if (messages === this.last) return;
    this.last = messages;
    const list = messages ?? [];
    setText(this.count, String(list.length));
    this.element.hidden = list.length === 0;
    replaceChildren(
      this.list,
      ...list.slice(-SHOWN).map((m) =>
        h('li', { class: `message level-${m.level}` }, h('span', { class: 'message-time' }, formatTime(m.time)), h('span', { class: 'message-text' }, m.text)),
      ),
    );
  }
}
