import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TrainerEvent } from '../../../src/protocol/events';
import {
  isControlMessage,
  isTrainerEvent,
  parseTrainerEventLine,
  TRAINER_EVENT_TYPES,
} from '../../../src/protocol/guards';

const backend = { name: 'wasm', device: 'CPU (2 threads, SIMD)', simd: true, threads: 2 };

/** One valid example of every event type. */
const valid: Record<TrainerEvent['type'], TrainerEvent> = {
  runStart: {
    type: 'runStart', protocol: 1, runId: 'r1', time: 1, configPath: '/w/a.trainer.yaml', outputDir: '/w/runs/a',
    config: { training_args: { seed: null } }, totalSteps: 100, numEpochs: 2, stepsPerEpoch: 50,
    trainExamples: 1600, evalExamples: 200, backend, resumedFrom: '/w/runs/a/checkpoint-50', resumedStep: 50,
  },
  log: { type: 'log', time: 2, step: 1, epoch: 0.02, loss: 0.69, learning_rate: 5e-4, grad_norm: 1.2, samples_per_second: 300, steps_per_second: 9.4 },
  eval: { type: 'eval', time: 3, step: 50, epoch: 1, metrics: { eval_loss: 0.4, eval_accuracy: 0.81 } },
  generations: {
    type: 'generations', time: 3, step: 50, epoch: 1, decoding: 'greedy',
    samples: [{ prompt: 'Capital of France?', completion: ' Paris.', tokens: [3, 17, 2], finish: 'eos' }],
  },
  checkpoint: { type: 'checkpoint', time: 4, step: 50, path: '/w/runs/a/checkpoint-50', isBest: true, deleted: [] },
  progress: { type: 'progress', time: 5, step: 50, totalSteps: 100, epoch: 1, eta: 12.5 },
  message: { type: 'message', time: 6, level: 'warning', text: 'eval_steps > total steps' },
  download: { type: 'download', time: 6, model: 'org/tiny@v1', file: 'model.safetensors', bytes: 1200, total: 4000, rate: 600, eta: 4.7, done: false },
  runEnd: {
    type: 'runEnd', time: 7, status: 'failed', step: 60, epoch: 1.2, trainRuntime: 10.5,
    error: { message: 'loss is not a scalar', location: { file: '/w/my_trainer.ts', line: 12, column: 5 }, stack: 'Error: ...' },
  },
  job: {
    type: 'job', time: 8, scheduler: 'slurm', jobId: '12_3', state: 'OUT_OF_MEMORY', active: false, reason: 'OutOfMemory', exitCode: 0, signal: 9,
    host: 'login1', stderrFile: '/w/runs/a/slurm-12_3.err', stderrTail: ['slurmstepd: error: Detected 1 oom_kill event'],
  },
};

/** For each type: variants that must be rejected. */
const malformed: Record<TrainerEvent['type'], unknown[]> = {
  runStart: [
    { ...valid.runStart, runId: 3 },
    { ...valid.runStart, backend: { name: 'cpu' } },
    { ...valid.runStart, resumedStep: '50' },
    (({ config: _c, ...rest }) => rest)(valid.runStart as Extract<TrainerEvent, { type: 'runStart' }>),
  ],
  log: [{ ...valid.log, loss: '0.5' }, { ...valid.log, loss: null }, { ...valid.log, grad_norm: null }, { ...valid.log, step: undefined }],
  eval: [{ ...valid.eval, metrics: { eval_loss: 'x' } }, { ...valid.eval, metrics: [] }, { ...valid.eval, metrics: null }],
  generations: [
    { ...valid.generations, samples: undefined },
    { ...valid.generations, decoding: 1 },
    { ...valid.generations, samples: [{ prompt: 'a', completion: 'b', tokens: [1.5], finish: 'eos' }] },
    { ...valid.generations, samples: [{ prompt: 'a', completion: 'b', tokens: [-1], finish: 'eos' }] },
    { ...valid.generations, samples: [{ prompt: 'a', completion: 'b', tokens: [1], finish: 'stop' }] },
    { ...valid.generations, samples: [{ prompt: 'a', tokens: [1], finish: 'length' }] },
  ],
  checkpoint: [{ ...valid.checkpoint, isBest: 'yes' }, { ...valid.checkpoint, deleted: [1] }, { ...valid.checkpoint, deleted: undefined }],
  progress: [{ ...valid.progress, eta: undefined }, { ...valid.progress, totalSteps: '100' }],
  message: [{ ...valid.message, level: 'verbose' }, { ...valid.message, text: 1 }],
  download: [{ ...valid.download, bytes: '1200' }, { ...valid.download, done: undefined }, { ...valid.download, eta: null }, { ...valid.download, model: undefined }],
  runEnd: [
    { ...valid.runEnd, status: 'running' },
    { ...valid.runEnd, error: { message: 'x', location: { file: 'a', line: '1', column: 1 } } },
    { ...valid.runEnd, error: 'boom' },
    { ...valid.runEnd, trainRuntime: undefined },
  ],
  job: [
    { ...valid.job, scheduler: 'pbs' },
    { ...valid.job, jobId: 12 },
    { ...valid.job, state: undefined },
    { ...valid.job, active: 'no' },
    { ...valid.job, exitCode: '1:0' },
    { ...valid.job, stderrTail: 'boom' },
    { ...valid.job, stderrTail: [1] },
  ],
};

test('every event type has a valid example here', () => {
  assert.deepEqual(Object.keys(valid).sort(), [...TRAINER_EVENT_TYPES].sort());
});

for (const type of TRAINER_EVENT_TYPES) {
  test(`isTrainerEvent accepts a valid ${type} and rejects malformed variants`, () => {
    assert.equal(isTrainerEvent(valid[type]), true);
    assert.equal(isTrainerEvent({ ...valid[type], extraFieldFromANewerWriter: 1 }), true);
    for (const [i, bad] of malformed[type].entries()) assert.equal(isTrainerEvent(bad), false, `${type} variant ${i}`);
  });
}

test('runStart carries the WebGPU adapter and its limits, or nothing of it', () => {
  const limits = { maxBufferSize: 4294967296, maxStorageBufferBindingSize: 2147483648, maxComputeWorkgroupStorageSize: 49152 };
  const adapter = { name: 'NVIDIA H200', vendor: 'nvidia', architecture: 'hopper', backend: 'vulkan', software: false, limits };
  const gpu = { name: 'webgpu', device: 'WebGPU: NVIDIA H200 (nvidia hopper, vulkan)', adapter };
  assert.equal(isTrainerEvent({ ...valid.runStart, backend: gpu }), true);
  assert.equal(isTrainerEvent({ ...valid.runStart, backend: { ...gpu, adapter: { ...adapter, software: 'no' } } }), false);
  assert.equal(isTrainerEvent({ ...valid.runStart, backend: { ...gpu, adapter: { ...adapter, limits: { ...limits, maxBufferSize: '4 GiB' } } } }), false);
});

test('isTrainerEvent rejects non-objects and unknown types', () => {
  for (const x of [null, undefined, 1, 'log', [], [valid.log], { type: 'nope' }, { type: 'toString' }, { type: '__proto__' }]) {
    assert.equal(isTrainerEvent(x), false, JSON.stringify(x));
  }
});

test('isTrainerEvent accepts non-finite numbers (a diverged loss)', () => {
  assert.equal(isTrainerEvent({ ...valid.log, loss: Number.NaN, grad_norm: Infinity }), true);
});

test('parseTrainerEventLine reads metrics.jsonl lines and skips the rest', () => {
  assert.deepEqual(parseTrainerEventLine(JSON.stringify(valid.eval) + '\r'), valid.eval);
  assert.equal(parseTrainerEventLine(''), undefined);
  assert.equal(parseTrainerEventLine('   '), undefined);
  assert.equal(parseTrainerEventLine('{"type":"log","time":2,"ste'), undefined, 'line cut short by a crash');
  assert.equal(parseTrainerEventLine('[1,2]'), undefined);
  assert.equal(parseTrainerEventLine(JSON.stringify({ ...valid.log, loss: null })), undefined);
});

test('isControlMessage', () => {
  for (const type of ['stop', 'pause', 'resume', 'save']) assert.equal(isControlMessage({ type }), true);
  for (const x of [{ type: 'start' }, { type: 'hasOwnProperty' }, {}, null, 'stop']) assert.equal(isControlMessage(x), false);
});
