/**
 * One bench cell in its own process, so the peak RSS it reports is its own. Started by
 * bench/trainer.ts with a JSON CellSpec as its argument; prints one `RESULT {...}` line.
 */
import * as tf from '@tensorflow/tfjs';
import { runBare, runTrainer, type Timing } from './trainer-loops';
import { measureMatmul } from './trainer-matmul';
import { buildBenchModel, isSynchronous, startBackend } from './trainer-setup';
import { RESULT_PREFIX, type CellResult, type CellSpec } from './trainer-spec';

/** Steps per timed unit on an asynchronous backend (each unit ends with a read). */
const ASYNC_STEPS_PER_UNIT = 5;

async function run(spec: CellSpec): Promise<CellResult> {
  const device = await startBackend(spec.backend);
  if (spec.kind === 'matmul') {
    const figures = await measureMatmul(spec.budgetMs);
    return { ok: true, device, matmul: figures, rssMb: peakRssMb() };
  }
  const bench = await buildBenchModel(spec.model);
  const options = {
    warmupMs: spec.warmupMs,
    budgetMs: spec.budgetMs,
    stepsPerUnit: isSynchronous(spec.backend) ? 1 : ASYNC_STEPS_PER_UNIT,
  };
  let timing: Timing;
  if (spec.kind === 'trainer') timing = await runTrainer(bench, options);
  else timing = await runBare(bench, options, { batchCopy: spec.kind.includes('batch'), clip: spec.kind.includes('clip') });
  return {
    ok: true,
    device,
    samplesPerSec: bench.batchSize / (timing.stepMs / 1000),
    stepMs: timing.stepMs,
    cpuStepMs: timing.cpuStepMs,
    timedSteps: timing.timedSteps,
    leakedTensors: timing.leakedTensors,
    rssMb: peakRssMb(),
  };
}

/** Peak resident set of this process (maxRSS is in kilobytes). */
function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '{}') as CellSpec;
  let result: CellResult;
  try {
    result = await run(spec);
  } catch (error) {
    result = { ok: false, error: (error instanceof Error ? error.message : String(error)).split('\n')[0] };
  }
  console.log(`${RESULT_PREFIX}${JSON.stringify(result)}`);
  // The webgpu backend (Dawn) keeps handles that hold the process open.
  if (tf.getBackend() === 'webgpu') process.exit(0);
}

void main();
