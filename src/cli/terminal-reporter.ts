/**
 * Renders trainer events for a person at a terminal: a live progress bar (step/total, epoch,
 * loss, lr, it/s, ETA) on a TTY, plain lines otherwise; eval tables; checkpoints; the outcome.
 */
import { relative } from 'node:path';
import { formatProgressLine } from '../hub/format';
import type { TrainerEvent } from '../protocol/events';
import { foldProgress, INITIAL_PROGRESS, type RunProgress } from '../protocol/progress';
import { formatTrainableParameters } from '../protocol/parameters';
import { describeLimits } from '../trainer/backends/webgpu-adapters';

interface Output {
  write(text: string): boolean;
  isTTY?: boolean;
  columns?: number;
}

export class TerminalReporter {
  private progress: RunProgress = INITIAL_PROGRESS;
  private barShown = false;
  /** training_args.disable_tqdm: plain lines instead of the bar, also on a terminal. */
  private barDisabled = false;

  constructor(
    private readonly out: Output,
    private readonly verbose = false,
  ) {}

  handle(event: TrainerEvent): void {
    this.progress = foldProgress(this.progress, event);
    switch (event.type) {
      case 'runStart':
        this.barDisabled = (event.config as { training_args?: { disable_tqdm?: boolean } } | undefined)?.training_args?.disable_tqdm === true;
        this.line(
          `Training ${relative(process.cwd(), event.configPath) || event.configPath}\n` +
            (event.model ? `  model     ${event.model.name}${event.model.adapter ? ` + LoRA r=${event.model.adapter.r} on ${event.model.adapter.targets.length} modules` : ''}\n` : '') +
            (event.model ? `  ${formatTrainableParameters(event.model.trainableParameters, event.model.parameters)}\n` : '') +
            `  backend   ${event.backend.name} (${event.backend.device})\n` +
            (event.backend.adapter ? `  limits    ${describeLimits(event.backend.adapter.limits)}\n` : '') +
            `  examples  ${event.trainExamples} train, ${event.evalExamples} eval\n` +
            `  steps     ${event.totalSteps} (${event.numEpochs} epochs x ${event.stepsPerEpoch})\n` +
            `  output    ${relative(process.cwd(), event.outputDir) || event.outputDir}` +
            (event.resumedFrom ? `\n  resumed   from ${relative(process.cwd(), event.resumedFrom)}` : ''),
        );
        break;
      case 'progress':
        this.drawBar();
        break;
      case 'download':
        // The model download before runStart: its own bar (bytes, rate, ETA), cleared when it is done.
        if (this.progress.download) this.drawBar();
        else if (this.barShown) {
          this.out.write('\r\x1b[2K');
          this.barShown = false;
        }
        break;
      case 'log':
        if (this.showsBar()) this.drawBar();
        else this.line(`step ${event.step}/${this.progress.totalSteps}  epoch ${event.epoch.toFixed(2)}  loss ${event.loss.toFixed(4)}  lr ${event.learning_rate.toExponential(2)}`);
        break;
      case 'eval': {
        const rows = Object.entries(event.metrics)
          .filter(([k]) => k !== 'eval_runtime' && k !== 'eval_samples_per_second')
          .map(([k, v]) => `  ${k.padEnd(24)} ${formatNumber(v)}`);
        this.line(`Evaluation at step ${event.step} (epoch ${event.epoch.toFixed(2)})\n${rows.join('\n')}`);
        break;
      }
      case 'generations': {
        const rows = event.samples.map((s) => `  ${oneLine(s.prompt, 40).padEnd(40)} → ${oneLine(s.completion, 80)}${s.finish === 'length' ? ' …' : ''}`);
        this.line(`Generations at step ${event.step} (${event.decoding})\n${rows.join('\n')}`);
        break;
      }
      case 'checkpoint':
        this.line(`Saved ${relative(process.cwd(), event.path)}${event.isBest ? '  (best so far)' : ''}`);
        break;
      case 'message':
        if (event.level === 'debug' && !this.verbose) break;
        this.line(`${event.level === 'info' || event.level === 'debug' ? '' : `${event.level}: `}${event.text}`);
        break;
      case 'runEnd':
        if (event.status === 'failed') {
          const where = event.error?.location ? `${event.error.location.file}:${event.error.location.line}:${event.error.location.column}: ` : '';
          this.line(`${where}error: ${event.error?.message ?? 'training failed'}`);
        } else {
          const best = event.bestCheckpoint ? `\n  best checkpoint ${relative(process.cwd(), event.bestCheckpoint)} (${formatNumber(event.bestMetric ?? Number.NaN)})` : '';
          const stopped = event.checkpoint ? `\n  resume with --resume (from ${relative(process.cwd(), event.checkpoint)})` : '';
          this.line(`Training ${event.status} at step ${event.step} in ${event.trainRuntime.toFixed(1)} s${best}${stopped}`);
        }
        break;
    }
  }

  private showsBar(): boolean {
    return this.out.isTTY === true && !this.barDisabled;
  }

  private drawBar(): void {
    if (!this.showsBar()) return;
    const download = this.progress.download;
    if (download) {
      if (download.total <= 0) return; // still asking the Hub what to fetch: the message line says so
      const line = formatProgressLine({ ...download, file: download.file || download.model, fileBytes: 0, fileTotal: 0, etaSeconds: download.eta }, (this.out.columns ?? 80) - 1);
      this.out.write(`\r\x1b[2K${line}`);
      this.barShown = true;
      return;
    }
    const { step, totalSteps, epoch, loss, learningRate, stepsPerSecond, eta } = this.progress;
    const width = Math.max(10, Math.min(30, (this.out.columns ?? 80) - 70));
    const fraction = totalSteps > 0 ? Math.min(1, step / totalSteps) : 0;
    const filled = Math.round(fraction * width);
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    const parts = [
      `${bar} ${step}/${totalSteps}`,
      `ep ${epoch.toFixed(2)}`,
      loss !== undefined ? `loss ${loss.toFixed(4)}` : '',
      learningRate !== undefined ? `lr ${learningRate.toExponential(1)}` : '',
      stepsPerSecond !== undefined && stepsPerSecond > 0 ? `${stepsPerSecond.toFixed(1)} it/s` : '',
      `ETA ${formatDuration(eta)}`,
    ].filter(Boolean);
    this.out.write(`\r\x1b[2K${parts.join('  ')}`);
    this.barShown = true;
  }

  private line(text: string): void {
    if (this.barShown) this.out.write('\r\x1b[2K');
    this.out.write(text + '\n');
    if (this.barShown) this.drawBar();
  }
}

/** A text on one line (newlines shown as ⏎), cut to `max` characters. */
function oneLine(text: string, max: number): string {
  const flat = text.replace(/\r?\n/g, ' ⏎ ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function formatNumber(value: number): string {
  return Math.abs(value) >= 1000 || (value !== 0 && Math.abs(value) < 1e-3) ? value.toExponential(3) : value.toFixed(4);
}

function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
