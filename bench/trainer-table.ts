/** Plain-text tables for the bench: a label column, then right-aligned figure columns. */
import { median } from './trainer-clock';

export function printTable(title: string, header: readonly string[], rows: ReadonlyArray<readonly string[]>): void {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join(' | ');
  console.log(`\n${title}\n`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const row of rows) console.log(line(row));
}

/** 12,345 / 123 / 1.23 depending on size. */
export function figure(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '—';
  if (value >= 100) return Math.round(value).toLocaleString('en-US');
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** Median with the spread of the rounds: "9,120 ±4%" (half the min–max range over the median). */
export function withSpread(values: readonly number[]): string {
  if (values.length === 0) return '—';
  const m = median(values);
  if (values.length === 1) return figure(m);
  const spread = (Math.max(...values) - Math.min(...values)) / 2 / m;
  return `${figure(m)} ±${Math.round(spread * 100)}%`;
}

export function ratio(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return '—';
  return `${(a / b).toFixed(2)}×`;
}
