/** The progress bar with epoch, step / total, samples/s and ETA; before runStart, the model download's bytes, rate and ETA. */
import type { VscodeProgressBar } from '@vscode-elements/elements/dist/vscode-progress-bar/vscode-progress-bar.js';
import { h, setText } from '../dom';
import { formatDownloadPhase } from '../../src/hub/format';
import { formatDuration, formatEpoch } from '../format';
import type { RunView } from '../store';

export class ProgressView {
  readonly element: HTMLElement;
  private readonly bar = h('vscode-progress-bar', { 'aria-label': 'Training progress' }) as VscodeProgressBar;
  private readonly epoch = h('b', { id: 'progress-epoch' });
  private readonly step = h('b', { id: 'progress-step' });
  private readonly percent = h('span', { class: 'progress-percent', id: 'progress-percent' });
  private readonly speed = h('b', { id: 'progress-speed' });
  private readonly eta = h('b', { id: 'progress-eta' });
  private readonly etaLabel = h('span', {}, 'ETA ');
  private readonly stats: HTMLElement;
  /** The "downloading model" phase: shown instead of the stats while the run's Hub model downloads. */
  private readonly download = h('p', { class: 'download-phase', id: 'download-phase', role: 'status' });
  private last: RunView | undefined | null = null;

  constructor() {
    const stat = (...children: (HTMLElement | string)[]) => h('span', { class: 'progress-stat' }, ...children);
    this.stats = h(
      'div',
      { class: 'progress-stats' },
      stat('Epoch ', this.epoch),
      stat('Step ', this.step),
      stat(this.speed, ' samples/s'),
      stat(this.etaLabel, this.eta),
    );
    this.element = h('section', { class: 'progress', 'aria-label': 'Progress' }, h('div', { class: 'progress-bar-row' }, this.bar, this.percent), this.download, this.stats);
  }

  update(view: RunView | undefined): void {
    if (view === this.last) return;
    this.last = view;
    this.element.hidden = !view;
    if (!view) return;
    this.element.className = `progress status-${view.status}`;
    const p = view.progress;
    const download = p.download;
    this.download.hidden = !download;
    this.stats.hidden = !!download;
    if (download) {
      const fraction = download.total > 0 ? Math.min(1, download.bytes / download.total) : 0;
      this.bar.max = 1000;
      this.bar.value = Math.round(fraction * 1000);
      this.bar.indeterminate = download.total <= 0;
      setText(this.percent, download.total > 0 ? `${Math.floor(fraction * 100)}%` : '');
      setText(this.download, formatDownloadPhase(download));
      this.download.title = download.file;
      return;
    }
    const total = p.totalSteps;
    const fraction = total > 0 ? Math.min(1, p.step / total) : 0;
    this.bar.max = 1000;
    this.bar.value = Math.round(fraction * 1000);
    // A run between runStart and its first log is busy: show the indeterminate bar.
    this.bar.indeterminate = view.status === 'running' && p.step === 0;
    setText(this.percent, total > 0 ? `${Math.floor(fraction * 100)}%` : '');
    setText(this.epoch, p.numEpochs > 0 ? `${formatEpoch(p.epoch)} / ${p.numEpochs}` : formatEpoch(p.epoch));
    setText(this.step, total > 0 ? `${p.step} / ${total}` : String(p.step));
    setText(this.speed, p.samplesPerSecond === undefined ? '–' : p.samplesPerSecond.toFixed(1));
    if (view.end) {
      setText(this.etaLabel, 'Runtime ');
      setText(this.eta, formatDuration(view.end.trainRuntime));
    } else {
      setText(this.etaLabel, 'ETA ');
      setText(this.eta, view.status === 'running' ? formatDuration(p.eta) : '–');
    }
  }
}
