/** Human-readable sizes, rates and a download progress line (the CLI's bar and the editor's notification). */
import type { DownloadEvent } from '../protocol/events';
import type { DownloadProgress } from './download';

export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 2 : value < 100 ? 1 : 0)} ${units[unit]}`;
}

export function formatParameters(count: number): string {
  if (count >= 1e9) return `${(count / 1e9).toFixed(1)}B`;
  if (count >= 1e6) return `${(count / 1e6).toFixed(1)}M`;
  if (count >= 1e3) return `${(count / 1e3).toFixed(1)}k`;
  return String(count);
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** `model.safetensors [#######-------]  45%  30.1 MB/66.8 MB  12.3 MB/s  ETA 3s`, the bar sized to `width` columns. */
export function formatProgressLine(p: DownloadProgress, width = 80): string {
  const fraction = p.total > 0 ? Math.min(1, p.bytes / p.total) : 1;
  const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
  const tail = `${percent}  ${formatBytes(p.bytes)}/${formatBytes(p.total)}  ${formatBytes(p.rate)}/s  ETA ${p.etaSeconds === undefined ? '?' : formatDuration(p.etaSeconds)}`;
  const name = p.file.length > 28 ? `…${p.file.slice(-27)}` : p.file;
  const barWidth = Math.max(10, width - name.length - tail.length - 4);
  const filled = Math.round(fraction * barWidth);
  return `${name} [${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}] ${tail}`;
}

/**
 * The "downloading model" phase in words, for the dashboard and the editor's notification:
 * `Downloading model org/name — 12.3 MB of 40.0 MB, 3.10 MB/s, ETA 9s`.
 */
export function formatDownloadPhase(d: Pick<DownloadEvent, 'model' | 'bytes' | 'total' | 'rate' | 'eta'>): string {
  return `Downloading model ${d.model} — ${formatDownloadAmounts(d)}`;
}

/** `12.3 MB of 40.0 MB, 3.10 MB/s, ETA 9s`, or what is known before the first byte. */
export function formatDownloadAmounts(d: Pick<DownloadEvent, 'bytes' | 'total' | 'rate' | 'eta'>): string {
  if (d.total <= 0) return 'asking the Hub which files to fetch…';
  const eta = d.eta === undefined ? '' : `, ETA ${formatDuration(d.eta)}`;
  return `${formatBytes(d.bytes)} of ${formatBytes(d.total)}, ${formatBytes(d.rate)}/s${eta}`;
}
