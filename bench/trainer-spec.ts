/** What bench/trainer.ts asks of a cell process, and what the cell (or torch_models.py) answers. */
import type { MatmulFigures } from './trainer-matmul';
import type { BackendId, ModelId } from './trainer-setup';

/** `bare+…` kinds add one Trainer piece at a time to the bare loop (the overhead profile). */
export type LoopKind = 'trainer' | 'bare' | 'bare+clip' | 'bare+batch' | 'bare+batch+clip';

export type CellSpec =
  | { kind: LoopKind; model: ModelId; backend: BackendId; warmupMs: number; budgetMs: number }
  | { kind: 'matmul'; backend: BackendId; budgetMs: number };

export type CellResult =
  | {
      ok: true;
      device: string;
      samplesPerSec?: number;
      stepMs?: number;
      cpuStepMs?: number;
      timedSteps?: number;
      leakedTensors?: number;
      matmul?: MatmulFigures;
      /** PyTorch cells: which BLAS library the process loaded. */
      blas?: string;
      rssMb: number;
    }
  | { ok: false; error: string };

export const RESULT_PREFIX = 'RESULT ';

export function parseResult(stdout: string): CellResult | undefined {
  const line = stdout.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
  return line ? (JSON.parse(line.slice(RESULT_PREFIX.length)) as CellResult) : undefined;
}
