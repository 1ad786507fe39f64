/**
 * A causal LM's generations, one column per evaluation step and one row per prompt, so an answer
 * can be read changing from checkpoint to checkpoint. A cell whose text differs from the column
 * before it is marked; long runs show the first and the latest steps unless all are asked for.
 */
import { h, replaceChildren, setText } from '../dom';
import type { CheckpointView, GenerationsView } from '../store';

/** Columns shown when not all are: the first evaluation (the baseline) and the latest ones. */
export const COLLAPSED_COLUMNS = 5;

export interface GenerationsInput {
  generations: readonly GenerationsView[] | undefined;
  checkpoints: readonly CheckpointView[] | undefined;
}

export class GenerationsPanel {
  readonly element: HTMLElement;
  private readonly body = h('div', { class: 'generations-scroll' });
  private readonly summary = h('span', { class: 'generations-summary' });
  private readonly toggle = h('vscode-button', { secondary: true, id: 'generations-toggle', hidden: true }, 'Show all steps');
  private showAll = false;
  private last: GenerationsInput | undefined;

  constructor() {
    this.toggle.addEventListener('click', () => {
      this.showAll = !this.showAll;
      if (this.last) this.draw(this.last);
    });
    this.element = h(
      'section',
      { class: 'panel generations', id: 'generations', hidden: true, 'aria-label': 'Generations' },
      h('div', { class: 'panel-title-row' }, h('h2', {}, 'Generations ', this.summary), this.toggle),
      this.body,
    );
  }

  update(input: GenerationsInput): void {
    if (this.last && input.generations === this.last.generations && input.checkpoints === this.last.checkpoints) return;
    this.last = input;
    this.draw(input);
  }

  private draw({ generations, checkpoints }: GenerationsInput): void {
    const all = generations ?? [];
    this.element.hidden = all.length === 0;
    if (all.length === 0) return;
    const columns = this.showAll || all.length <= COLLAPSED_COLUMNS ? all : [all[0], ...all.slice(-(COLLAPSED_COLUMNS - 1))];
    this.toggle.hidden = all.length <= COLLAPSED_COLUMNS;
    setText(this.toggle, this.showAll ? 'Show first and latest' : `Show all ${all.length} steps`);
    const latest = all[all.length - 1];
    setText(this.summary, `${all.length} evaluation${all.length === 1 ? '' : 's'} · ${latest.decoding}`);

    const saved = new Set((checkpoints ?? []).map((c) => c.step));
    const prompts = promptsOf(all);
    const head = h(
      'tr',
      {},
      h('th', { class: 'prompt-col' }, 'Prompt'),
      ...columns.map((g, i) =>
        h(
          'th',
          { 'data-step': g.step },
          `step ${g.step}`,
          i > 0 && columns[i - 1] !== all[all.indexOf(g) - 1] ? h('span', { class: 'gap', title: 'Steps between are hidden' }, ' ⋯') : null,
          saved.has(g.step) ? h('span', { class: 'generation-checkpoint', title: `checkpoint-${g.step}` }, ' · saved') : null,
        ),
      ),
    );
    const rows = prompts.map((prompt) =>
      h(
        'tr',
        { class: 'generation-row' },
        h('th', { class: 'prompt-col', scope: 'row' }, h('span', { class: 'generation-prompt' }, prompt)),
        ...columns.map((g) => {
          const sample = g.samples.find((s) => s.prompt === prompt);
          if (!sample) return h('td', { class: 'absent' }, '—');
          const before = all[all.indexOf(g) - 1]?.samples.find((s) => s.prompt === prompt);
          const changed = before !== undefined && before.completion !== sample.completion;
          return h(
            'td',
            { class: `generation${changed ? ' changed' : ''}`, 'data-step': g.step, title: `${sample.tokens.length} tokens, ${sample.finish === 'eos' ? 'ended at EOS' : 'max_new_tokens reached'}` },
            h('span', { class: 'completion' }, sample.completion),
            sample.finish === 'length' ? h('span', { class: 'cut', 'aria-label': 'cut at max_new_tokens' }, ' …') : null,
          );
        }),
      ),
    );
    replaceChildren(this.body, h('table', { class: 'generations-table' }, h('thead', {}, head), h('tbody', {}, ...rows)));
  }
}

/** Every prompt, in the order it first appears. */
function promptsOf(list: readonly GenerationsView[]): string[] {
  const seen = new Set<string>();
  for (const g of list) for (const s of g.samples) seen.add(s.prompt);
  return [...seen];
}
