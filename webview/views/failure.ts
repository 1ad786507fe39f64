/**
 * The failure banner: the error, and a link to its location that opens it in the editor; for a
 * Slurm job, its state, exit code and the tail of its stderr file.
 */
import type { OpenLocationMessage } from '../../src/protocol/webview';
import { h, replaceChildren } from '../dom';
import { baseName } from '../format';
import type { JobEvent } from '../../src/protocol/events';
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
    const job = view.progress.job;
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
        job && !job.active ? jobFailure(job) : null,
      ),
    );
  }
}

const SLURM_HINTS: Readonly<Record<string, string>> = {
  OUT_OF_MEMORY: 'out of memory: raise `mem` in the cluster file',
  TIMEOUT: 'hit its time limit: raise `time` in the cluster file',
  NODE_FAIL: 'its node failed: resubmit, the run resumes from its last checkpoint',
  CANCELLED: 'cancelled (scancel, or an administrator)',
  PREEMPTED: 'preempted by a higher-priority job',
};

function jobFailure(job: JobEvent): HTMLElement {
  const exit = job.exitCode !== undefined ? `, exit code ${job.exitCode}${job.signal ? `, signal ${job.signal}` : ''}` : '';
  const hint = SLURM_HINTS[job.state];
  return h(
    'div',
    { class: 'failure-job', id: 'failure-job' },
    h('div', { class: 'failure-job-state', id: 'failure-job-state' }, `Slurm job ${job.jobId} ended ${job.state}${exit}${hint ? `: ${hint}` : ''}`),
    job.stderrTail?.length
      ? h('details', { class: 'failure-stderr', open: true }, h('summary', {}, `stderr${job.stderrFile ? ` (${baseName(job.stderrFile)})` : ''}`), h('pre', { id: 'failure-stderr' }, job.stderrTail.join('\n')))
      : null,
  );
}
