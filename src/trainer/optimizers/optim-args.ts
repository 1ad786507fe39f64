/**
 * `optim_args`: HF's "key=value,key=value" string of extra optimizer arguments.
 */

export type OptimArgValue = number | boolean | string;

/** Parses `"momentum=0.9,nesterov=true"` into `{ momentum: 0.9, nesterov: true }`. Numbers and true/false are typed; anything else stays a string. */
export function parseOptimArgs(s: string | undefined): Record<string, OptimArgValue> {
  const out: Record<string, OptimArgValue> = {};
  if (s === undefined || s.trim() === '') return out;
  for (const item of s.split(',')) {
    const trimmed = item.trim();
    if (trimmed === '') continue;
    const eq = trimmed.indexOf('=');
    if (eq <= 0) {
      throw new Error(`optim_args: "${trimmed}" is not key=value. Write e.g. optim_args: "momentum=0.9,nesterov=true".`);
    }
    const key = trimmed.slice(0, eq).trim();
    const raw = trimmed.slice(eq + 1).trim();
    out[key] = parseValue(raw);
  }
  return out;
}

function parseValue(raw: string): OptimArgValue {
  const lower = raw.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  const n = Number(raw);
  return raw !== '' && Number.isFinite(n) ? n : raw;
}

/** Reads typed values out of parsed optim_args and rejects keys the optimizer does not take. */
export class OptimArgReader {
  private readonly used = new Set<string>();

  constructor(
    private readonly optimizer: string,
    private readonly args: Record<string, OptimArgValue>,
  ) {}

  number(key: string, fallback: number): number {
    this.used.add(key);
    const v = this.args[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'number') throw new Error(`optim_args ${key} must be a number for ${this.optimizer} (got "${String(v)}").`);
    return v;
  }

  boolean(key: string, fallback: boolean): boolean {
    this.used.add(key);
    const v = this.args[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'boolean') throw new Error(`optim_args ${key} must be true or false for ${this.optimizer} (got "${String(v)}").`);
    return v;
  }

  rejectUnknown(): void {
    const unknown = Object.keys(this.args).filter((k) => !this.used.has(k));
    if (unknown.length > 0) {
      const accepted = this.used.size > 0 ? [...this.used].join(', ') : 'none (its settings come from adam_beta1, adam_beta2, adam_epsilon, weight_decay)';
      throw new Error(`optim_args ${unknown.join(', ')} not used by ${this.optimizer}. Accepted: ${accepted}.`);
    }
  }
}
