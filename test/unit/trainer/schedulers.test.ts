import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createScheduler, getWarmupSteps, type SchedulerArgs } from '../../../src/trainer/schedulers';
import type { LrScheduler } from '../../../src/trainer/types';

const BASE_LR = 1e-3;

function args(overrides: Partial<SchedulerArgs>): SchedulerArgs {
  return { learning_rate: BASE_LR, lr_scheduler_type: 'linear', lr_scheduler_kwargs: {}, warmup_steps: 0, warmup_ratio: 0, ...overrides };
}

/** Learning rates the scheduler hands out for steps 0..n-1 (lr read before each step, as the Trainer does). */
function lrs(scheduler: LrScheduler, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    out.push(scheduler.currentLr());
    scheduler.step();
  }
  return out;
}

function assertClose(actual: number, expected: number, message: string): void {
  assert.ok(Math.abs(actual - expected) <= 1e-12 + 1e-9 * Math.abs(expected), `${message}: ${actual} vs ${expected}`);
}

// Reference formulas, re-written from transformers/optimization.py.
const ref = {
  warm: (s: number, w: number) => s / Math.max(1, w),
  linear: (s: number, w: number, t: number) => (s < w ? s / Math.max(1, w) : Math.max(0, (t - s) / Math.max(1, t - w))),
  cosine: (s: number, w: number, t: number, c: number) => {
    if (s < w) return s / Math.max(1, w);
    const p = (s - w) / Math.max(1, t - w);
    return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * c * 2 * p)));
  },
  restarts: (s: number, w: number, t: number, c: number) => {
    if (s < w) return s / Math.max(1, w);
    const p = (s - w) / Math.max(1, t - w);
    if (p >= 1) return 0;
    return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * ((c * p) % 1))));
  },
  poly: (s: number, w: number, t: number, init: number, end: number, power: number) => {
    if (s < w) return s / Math.max(1, w);
    if (s > t) return end / init;
    return ((init - end) * (1 - (s - w) / (t - w)) ** power + end) / init;
  },
  invSqrt: (s: number, w: number, ts: number) => (s < w ? s / Math.max(1, w) : 1 / Math.sqrt((s + ts - w) / ts)),
};

const CHECK_STEPS = [0, 2, 5, 9, 10, 11, 30, 55, 99, 100, 101];

function checkAgainst(scheduler: LrScheduler, lambda: (s: number) => number): void {
  const seen = lrs(scheduler, 102);
  for (const s of CHECK_STEPS) assertClose(seen[s], BASE_LR * lambda(s), `${scheduler.name} step ${s}`);
}

test('getWarmupSteps prefers warmup_steps, else ceil(ratio * total)', () => {
  assert.equal(getWarmupSteps({ warmup_steps: 7, warmup_ratio: 0.5 }, 100), 7);
  assert.equal(getWarmupSteps({ warmup_steps: 0, warmup_ratio: 0.101 }, 100), 11);
  assert.equal(getWarmupSteps({ warmup_steps: 0, warmup_ratio: 0 }, 100), 0);
});

test('linear: warmup from 0, peak at the end of warmup, 0 at the last step', () => {
  const s = createScheduler(args({ lr_scheduler_type: 'linear', warmup_steps: 10 }), 100);
  const seen = lrs(s, 101);
  assert.equal(seen[0], 0);
  assertClose(seen[5], BASE_LR * 0.5, 'mid warmup');
  assertClose(seen[10], BASE_LR, 'end of warmup');
  assert.equal(seen[100], 0);
  checkAgainst(createScheduler(args({ lr_scheduler_type: 'linear', warmup_steps: 10 }), 100), (x) => ref.linear(x, 10, 100));
});

test('linear without warmup starts at the peak', () => {
  const s = createScheduler(args({ lr_scheduler_type: 'linear' }), 50);
  assert.equal(s.currentLr(), BASE_LR);
});

test('cosine with default and custom num_cycles', () => {
  checkAgainst(createScheduler(args({ lr_scheduler_type: 'cosine', warmup_ratio: 0.1 }), 100), (x) => ref.cosine(x, 10, 100, 0.5));
  checkAgainst(
    createScheduler(args({ lr_scheduler_type: 'cosine', warmup_steps: 10, lr_scheduler_kwargs: { num_cycles: 2 } }), 100),
    (x) => ref.cosine(x, 10, 100, 2),
  );
});

test('cosine_with_restarts restarts num_cycles times and is 0 after the end', () => {
  checkAgainst(
    createScheduler(args({ lr_scheduler_type: 'cosine_with_restarts', warmup_steps: 10, lr_scheduler_kwargs: { num_cycles: 3 } }), 100),
    (x) => ref.restarts(x, 10, 100, 3),
  );
  const s = createScheduler(args({ lr_scheduler_type: 'cosine_with_restarts', warmup_steps: 10, lr_scheduler_kwargs: { num_cycles: 3 } }), 100);
  const seen = lrs(s, 101);
  assertClose(seen[40], BASE_LR, 'second cycle restarts at the peak');
  assert.equal(seen[100], 0);
});

test('polynomial decays to lr_end with power', () => {
  checkAgainst(
    createScheduler(args({ lr_scheduler_type: 'polynomial', warmup_steps: 10, lr_scheduler_kwargs: { power: 2, lr_end: 1e-5 } }), 100),
    (x) => ref.poly(x, 10, 100, BASE_LR, 1e-5, 2),
  );
  const s = createScheduler(args({ lr_scheduler_type: 'polynomial', warmup_steps: 10 }), 100);
  const seen = lrs(s, 102);
  assertClose(seen[100], 1e-7, 'ends at default lr_end');
  assertClose(seen[101], 1e-7, 'stays at lr_end past the end');
});

test('polynomial rejects lr_end >= learning_rate', () => {
  assert.throws(() => createScheduler(args({ lr_scheduler_type: 'polynomial', lr_scheduler_kwargs: { lr_end: 1 } }), 10), /lr_end .* must be smaller/);
});

test('constant ignores warmup; constant_with_warmup does not', () => {
  assert.deepEqual(lrs(createScheduler(args({ lr_scheduler_type: 'constant', warmup_steps: 5 }), 10), 3), [BASE_LR, BASE_LR, BASE_LR]);
  checkAgainst(createScheduler(args({ lr_scheduler_type: 'constant_with_warmup', warmup_steps: 10 }), 100), (x) =>
    x < 10 ? ref.warm(x, 10) : 1,
  );
});

test('inverse_sqrt: timescale defaults to warmup, or 10000 without warmup', () => {
  checkAgainst(createScheduler(args({ lr_scheduler_type: 'inverse_sqrt', warmup_steps: 10 }), 100), (x) => ref.invSqrt(x, 10, 10));
  checkAgainst(createScheduler(args({ lr_scheduler_type: 'inverse_sqrt' }), 100), (x) => ref.invSqrt(x, 0, 10_000));
  checkAgainst(
    createScheduler(args({ lr_scheduler_type: 'inverse_sqrt', warmup_steps: 10, lr_scheduler_kwargs: { timescale: 40 } }), 100),
    (x) => ref.invSqrt(x, 10, 40),
  );
});

test('unknown or mistyped lr_scheduler_kwargs are errors that name the accepted keys', () => {
  assert.throws(() => createScheduler(args({ lr_scheduler_type: 'linear', lr_scheduler_kwargs: { num_cycles: 2 } }), 10), /"num_cycles" not used by "linear"/);
  assert.throws(() => createScheduler(args({ lr_scheduler_type: 'cosine', lr_scheduler_kwargs: { num_cycles: 'two' } }), 10), /must be a number/);
  assert.throws(() => createScheduler(args({ lr_scheduler_type: 'cosine', lr_scheduler_kwargs: { power: 2 } }), 10), /Accepted: num_cycles/);
});

test('resume: a restored scheduler continues exactly where the saved one stopped', () => {
  const make = () => createScheduler(args({ lr_scheduler_type: 'cosine', warmup_steps: 10 }), 100);
  const uninterrupted = lrs(make(), 60);
  const first = make();
  lrs(first, 25);
  const resumed = make();
  resumed.setState(JSON.parse(JSON.stringify(first.getState())) as Record<string, unknown>);
  assert.deepEqual(lrs(resumed, 35), uninterrupted.slice(25));
  const other = createScheduler(args({ lr_scheduler_type: 'linear' }), 100);
  assert.throws(() => other.setState(first.getState()), /saved with lr_scheduler_type "cosine"/);
});

/** torch ReduceLROnPlateau re-written for one group (threshold_mode rel). */
function referencePlateau(metrics: number[], o: { mode: 'min' | 'max'; factor: number; patience: number; threshold: number; cooldown: number; minLr: number }): number[] {
  let lr = BASE_LR;
  let best = o.mode === 'min' ? Infinity : -Infinity;
  let bad = 0;
  let cooldown = 0;
  const out: number[] = [];
  for (const m of metrics) {
    const better = o.mode === 'min' ? m < best * (1 - o.threshold) : m > best * (1 + o.threshold);
    if (better) {
      best = m;
      bad = 0;
    } else bad++;
    if (cooldown > 0) {
      cooldown--;
      bad = 0;
    }
    if (bad > o.patience) {
      const next = Math.max(lr * o.factor, o.minLr);
      if (lr - next > 1e-8) lr = next;
      cooldown = o.cooldown;
      bad = 0;
    }
    out.push(lr);
  }
  return out;
}

test('reduce_lr_on_plateau with torch defaults reduces after 11 evaluations without improvement', () => {
  const s = createScheduler(args({ lr_scheduler_type: 'reduce_lr_on_plateau', warmup_steps: 5 }), 100);
  assert.equal(s.currentLr(), BASE_LR, 'no warmup for plateau');
  s.step();
  assert.equal(s.currentLr(), BASE_LR, 'step() alone does not change the lr');
  const seen: number[] = [];
  const metrics = [1, ...Array<number>(11).fill(1)];
  for (const m of metrics) {
    s.reportMetric?.(m);
    seen.push(s.currentLr());
  }
  assert.equal(seen[10], BASE_LR);
  assertClose(seen[11], BASE_LR * 0.1, 'reduced after patience 10 is exceeded');
});

test('reduce_lr_on_plateau kwargs (max mode, factor, patience, cooldown, min_lr) follow torch', () => {
  const o = { mode: 'max' as const, factor: 0.5, patience: 1, threshold: 0.01, cooldown: 1, minLr: 2e-4 };
  const metrics = [0.5, 0.6, 0.603, 0.6, 0.59, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7];
  const s = createScheduler(
    args({
      lr_scheduler_type: 'reduce_lr_on_plateau',
      lr_scheduler_kwargs: { mode: 'max', factor: 0.5, patience: 1, threshold: 0.01, cooldown: 1, min_lr: 2e-4 },
    }),
    100,
  );
  const seen = metrics.map((m) => {
    s.reportMetric?.(m);
    return s.currentLr();
  });
  const expected = referencePlateau(metrics, o);
  expected.forEach((lr, i) => assertClose(seen[i], lr, `evaluation ${i}`));
  assert.equal(Math.min(...seen), 2e-4, 'floored at min_lr');
});

test('reduce_lr_on_plateau state survives a JSON round trip', () => {
  const make = () => createScheduler(args({ lr_scheduler_type: 'reduce_lr_on_plateau', lr_scheduler_kwargs: { patience: 1 } }), 100);
  const a = make();
  [1, 0.9, 0.95].forEach((m) => a.reportMetric?.(m));
  const b = make();
  b.setState(JSON.parse(JSON.stringify(a.getState())) as Record<string, unknown>);
  for (const m of [0.95, 0.95, 0.2]) {
    a.reportMetric?.(m);
    b.reportMetric?.(m);
    assert.equal(b.currentLr(), a.currentLr());
  }
  assert.ok(a.currentLr() < BASE_LR);
  const fresh = make();
  fresh.setState(JSON.parse(JSON.stringify(make().getState())) as Record<string, unknown>);
  fresh.reportMetric?.(5);
  assert.equal(fresh.currentLr(), BASE_LR, 'a never-reported best restores as infinity');
});
