/** Run title, status, backend and device, and the Start / Stop / Resume / Merge controls. */
import type { VscodeButton } from '@vscode-elements/elements/dist/vscode-button/vscode-button.js';
import type { VscodeSingleSelect } from '@vscode-elements/elements/dist/vscode-single-select/vscode-single-select.js';
import type { JobEvent } from '../../src/protocol/events';
import type { CommandMessage, MergeAdapterMessage, RunSummary } from '../../src/protocol/webview';
import { formatTrainableParameters } from '../../src/protocol/parameters';
import { h, replaceChildren, setText } from '../dom';
import { baseName } from '../format';
import type { RunView } from '../store';

export interface HeaderInput {
  summary?: RunSummary;
  view?: RunView;
}

export class HeaderView {
  readonly element: HTMLElement;
  private readonly title = h('h1', { class: 'run-title' });
  private readonly status = h('span', { class: 'status-pill', id: 'run-status' });
  private readonly meta = h('div', { class: 'run-meta' });
  private readonly startButton = h('vscode-button', { id: 'start-button', title: 'Start a new run of this config' }, 'Start') as VscodeButton;
  private readonly slurmButton = h(
    'vscode-button',
    { id: 'start-slurm-button', secondary: true, hidden: true, title: 'Submit this config to Slurm again (its launcher: section or cluster file)' },
    'Start on Slurm',
  ) as VscodeButton;
  private readonly stopButton = h('vscode-button', { id: 'stop-button', secondary: true, title: 'Stop after the current step, saving a checkpoint' }, 'Stop') as VscodeButton;
  private readonly resumeButton = h('vscode-button', { id: 'resume-button', secondary: true, title: 'Resume from the selected checkpoint' }, 'Resume') as VscodeButton;
  private readonly checkpointSelect = h('vscode-single-select', { id: 'resume-checkpoint', 'aria-label': 'Checkpoint to resume from' }) as VscodeSingleSelect;
  private readonly mergeButton = h(
    'vscode-button',
    { id: 'merge-button', secondary: true, hidden: true, title: 'Merge the LoRA adapter into its base model and save a Hugging Face model folder' },
    'Merge Adapter',
  ) as VscodeButton;
  private last: HeaderInput = {};
  private checkpointsKey = '';

  constructor(private readonly post: (m: CommandMessage | MergeAdapterMessage) => void) {
    this.element = h(
      'header',
      { class: 'run-header' },
      h('div', { class: 'run-heading' }, h('div', { class: 'run-title-row' }, this.title, this.status), this.meta),
      h('div', { class: 'run-actions' }, this.startButton, this.slurmButton, this.stopButton, this.checkpointSelect, this.resumeButton, this.mergeButton),
    );
    this.startButton.addEventListener('click', () => this.command('start'));
    this.slurmButton.addEventListener('click', () => this.command('startSlurm'));
    this.stopButton.addEventListener('click', () => this.command('stop'));
    this.resumeButton.addEventListener('click', () => this.command('resume'));
    this.mergeButton.addEventListener('click', () => {
      const runId = this.last.view?.runId ?? this.last.summary?.id;
      if (runId !== undefined) this.post({ type: 'mergeAdapter', runId });
    });
  }

  private command(command: CommandMessage['command']): void {
    const { summary, view } = this.last;
    const runId = view?.runId ?? summary?.id;
    const configPath = view?.start?.configPath ?? summary?.configPath;
    if (command === 'start' || command === 'startSlurm') this.post({ type: 'command', command, ...(configPath ? { configPath } : {}) });
    else if (command === 'stop') {
      if (runId !== undefined) this.post({ type: 'command', command, runId });
    } else {
      const checkpoint = this.checkpointSelect.value || undefined;
      if (runId !== undefined) this.post({ type: 'command', command, runId, ...(configPath ? { configPath } : {}), ...(checkpoint ? { checkpoint } : {}) });
    }
  }

  update(input: HeaderInput): void {
    if (input.summary === this.last.summary && input.view === this.last.view) return;
    this.last = input;
    const { summary, view } = input;
    const status = view?.start ? view.status : (summary?.status ?? 'unknown');
    setText(this.title, summary?.name ?? (view?.start ? baseName(view.start.outputDir) : 'No run yet'));
    // Before runStart a run may be fetching its Hub model: say so rather than a bare "running".
    setText(this.status, view?.progress.download ? 'downloading model' : status);
    this.status.className = `status-pill status-${status}`;
    this.status.hidden = !summary && !view;

    const backend = view?.start?.backend ?? summary?.backend;
    const job = view?.progress.job;
    const configPath = view?.start?.configPath ?? summary?.configPath;
    replaceChildren(
      this.meta,
      backend ? h('span', { class: 'chip', id: 'run-backend', title: 'Compute backend' }, backend.name) : null,
      backend ? h('span', { class: 'meta-item', id: 'run-device', title: 'Device' }, backend.device) : null,
      configPath ? h('span', { class: 'meta-item', title: configPath }, baseName(configPath)) : null,
      job ? h('span', { class: `chip job-state job-${job.active ? 'active' : 'ended'}`, id: 'run-job', title: jobTitle(job) }, jobLabel(job)) : null,
      view?.start?.model ? h('span', { class: 'meta-item', id: 'run-model', title: view.start.model.name }, modelLabel(view.start.model)) : null,
      view?.start?.model
        ? h('span', { class: 'meta-item', id: 'run-parameters', title: 'As PEFT\'s print_trainable_parameters' }, formatTrainableParameters(view.start.model.trainableParameters, view.start.model.parameters))
        : null,
      view?.start?.resumedFrom ? h('span', { class: 'meta-item', title: view.start.resumedFrom }, `resumed from ${baseName(view.start.resumedFrom)}`) : null,
      !summary && !view ? h('span', { class: 'meta-item' }, 'Start a run from a *.trainer.yaml config to see it here.') : null,
    );

    const running = status === 'running';
    const checkpoints = view?.checkpoints ?? [];
    this.startButton.disabled = running;
    // A run that was a Slurm job is started again where it ran; Start stays for a local run.
    this.slurmButton.hidden = !job;
    this.slurmButton.disabled = running;
    this.stopButton.disabled = !running;
    this.resumeButton.disabled = running || checkpoints.length === 0;
    this.checkpointSelect.disabled = running || checkpoints.length === 0;
    this.checkpointSelect.hidden = checkpoints.length === 0;
    // A completed LoRA run's folder is its adapter: the one kind of run a merge applies to.
    this.mergeButton.hidden = !(status === 'completed' && view?.start?.model?.adapter);

    const key = checkpoints.map((c) => `${c.path}${c.isBest ? '*' : ''}`).join('|') + `|${view?.end?.checkpoint ?? ''}`;
    if (key !== this.checkpointsKey) {
      this.checkpointsKey = key;
      const previous = this.checkpointSelect.value;
      const preferred = checkpoints.some((c) => c.path === previous) ? previous : (view?.end?.checkpoint ?? checkpoints[checkpoints.length - 1]?.path);
      replaceChildren(
        this.checkpointSelect,
        ...[...checkpoints].reverse().map((c) => {
          const option = h('vscode-option', { value: c.path, selected: c.path === preferred, description: c.path }, `${baseName(c.path)}${c.isBest ? ' ★ best' : ''}`);
          return option;
        }),
      );
      if (preferred) this.checkpointSelect.value = preferred;
    }
  }
}

/** `Slurm 123 PENDING (Resources)`: why a queued run shows no steps yet, or how its job ended. */
export function jobLabel(job: JobEvent): string {
  const reason = job.reason && job.reason !== 'None' ? ` (${job.reason})` : '';
  return `Slurm ${job.jobId} ${job.state}${reason}`;
}

function jobTitle(job: JobEvent): string {
  return `Slurm job ${job.jobId}${job.host ? ` on ${job.host}` : ''}: squeue -j ${job.jobId}`;
}

/** The checkpoint's last path part (or Hub id), and the adapter's shape. */
function modelLabel(model: NonNullable<NonNullable<RunView['start']>['model']>): string {
  const name = model.name.includes('/') && !model.name.startsWith('/') ? model.name : baseName(model.name);
  return model.adapter ? `${name} + LoRA r=${model.adapter.r}` : name;
}
