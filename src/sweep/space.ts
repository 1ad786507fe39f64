/**
 * The trials of a sweep: a grid's combinations in file order, or seeded random draws. Pure, so
 * the same sweep file always yields the same trials (and a test can pin them).
 */
import type { JsonValue } from '../config/tree';
import type { ParameterSpec } from './schema';
import { mulberry32 } from '../trainer/random';

export interface SpaceParameter {
  path: string;
  spec: ParameterSpec;
}

export type TrialParams = Record<string, JsonValue>;

/** One draw of one parameter. */
export function drawParameter(spec: ParameterSpec, random: () => number): JsonValue {
  const u = random();
  const min = spec.min ?? 0;
  const max = spec.max ?? 1;
  switch (spec.distribution ?? 'choice') {
    case 'uniform':
      return min + u * (max - min);
    case 'log_uniform':
      return Math.exp(Math.log(min) + u * (Math.log(max) - Math.log(min)));
    case 'int_uniform':
      return Math.min(max, min + Math.floor(u * (max - min + 1)));
    case 'choice': {
      const values = (spec.values ?? []) as JsonValue[];
      return values[Math.min(values.length - 1, Math.floor(u * values.length))];
    }
  }
}

/** Every combination of the parameters' values; the last parameter varies fastest. */
export function gridTrials(parameters: readonly SpaceParameter[], limit = Infinity): TrialParams[] {
  let trials: TrialParams[] = [{}];
  for (const { path, spec } of parameters) {
    const values = (spec.values ?? []) as JsonValue[];
    trials = trials.flatMap((trial) => values.map((value) => ({ ...trial, [path]: value })));
  }
  return trials.slice(0, limit);
}

/** `count` independent draws, parameter by parameter in file order, from one seeded stream. */
export function randomTrials(parameters: readonly SpaceParameter[], count: number, seed: number): TrialParams[] {
  const random = mulberry32(seed);
  return Array.from({ length: count }, () => Object.fromEntries(parameters.map(({ path, spec }) => [path, drawParameter(spec, random)])));
}
