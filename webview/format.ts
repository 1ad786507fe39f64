/** Number and time formatting for the dashboard. */

/** A metric value: 4 significant digits, exponent notation for tiny/huge values. */
export function formatMetric(v: number | undefined): string {
  if (v === undefined) return '–';
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '-∞';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a < 1e-3 || a >= 1e6) return v.toExponential(2).replace(/\.?0+e/, 'e');
  return Number(v.toPrecision(4)).toString();
}

/** Axis tick labels: the fewest significant digits (3 to 8) that keep neighbouring ticks apart. */
export function formatTicks(ticks: readonly (number | null)[]): string[] {
  for (let digits = 3; digits <= 8; digits++) {
    const labels = ticks.map((v) => (v == null ? '' : formatWithDigits(v, digits)));
    const shown = labels.filter((l) => l !== '');
    if (new Set(shown).size === shown.length) return labels;
  }
  return ticks.map((v) => (v == null ? '' : String(v)));
}

function formatWithDigits(v: number, digits: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a < 1e-3 || a >= 1e6) return v.toExponential(digits - 1).replace(/\.?0+e/, 'e');
  return Number(v.toPrecision(digits)).toString();
}

/** Seconds as "1h 02m", "3m 07s", "42s". */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

export function formatEpoch(epoch: number): string {
  return Number(epoch.toFixed(2)).toString();
}

/** eval_accuracy → "Eval accuracy", learning_rate → "Learning rate". */
export function metricTitle(key: string): string {
  const named: Record<string, string> = { loss: 'Train loss', learning_rate: 'Learning rate', grad_norm: 'Grad norm' };
  if (named[key]) return named[key];
  const words = key.replace(/^eval_/, 'eval ').replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Last path segment, for checkpoint and file names. */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]/).filter(Boolean);
  return parts[parts.length - 1] ?? path;
}

export function formatTime(ms: number): string {
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function formatDate(ms: number): string {
  if (!ms) return '';
  return new Date(ms).toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}
