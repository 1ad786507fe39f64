/**
 * Fits the memory plan's activation factors (src/trainer/memory/estimate.ts) to measurement: for
 * each block kind, one AdamW step of our code on a grid of small shapes, each in a fresh process on
 * wasm (1 thread), measured by bench/memory-step.ts (the wasm heap's live bytes at the backward
 * pass's peak, over the weights and optimizer state, less the gradients). Least squares over the
 * terms of activationTerms(); dropout is off here (its factors are the composites': dropout is not fused).
 *   node --import tsx bench/memory-fit.ts                  (the native addon's fused kernels: FUSED_BLOCK_FACTORS)
 *   FTS_NATIVE=0 node --import tsx bench/memory-fit.ts     (the composites: BLOCK_FACTORS, a check of the method)
 * Prints each kind's factors, then each point's fit error. About 5 minutes on a quiet 2-core machine.
 */
import { spawnSync } from 'node:child_process';
import { initBackend } from '../src/trainer/backends';
import { activationTerms, blockFactors, BYTES_PER_VALUE, type BlockFactors } from '../src/trainer/memory/estimate';
import { transformerShape } from '../src/trainer/memory/shape';
import { measureDecoderStep, measureEncoderStep } from './memory-step';

interface Point {
  config: Record<string, unknown>;
  batch: number;
  length: number;
}

const bert = (layers: number, hidden: number, heads: number, intermediate: number, vocab: number) => ({
  model_type: 'bert', vocab_size: vocab, hidden_size: hidden, num_hidden_layers: layers, num_attention_heads: heads,
  intermediate_size: intermediate, max_position_embeddings: 256, num_labels: 2, hidden_dropout_prob: 0, attention_probs_dropout_prob: 0,
});
const gpt2 = (layers: number, hidden: number, heads: number, vocab: number, inner?: number) => ({
  model_type: 'gpt2', n_layer: layers, n_embd: hidden, n_head: heads, vocab_size: vocab, n_positions: 256, resid_pdrop: 0, embd_pdrop: 0, attn_pdrop: 0,
  ...(inner ? { n_inner: inner } : {}),
});
const llama = (layers: number, hidden: number, heads: number, kvHeads: number, intermediate: number, vocab: number, tied: boolean) => ({
  model_type: 'llama', hidden_size: hidden, intermediate_size: intermediate, num_hidden_layers: layers, num_attention_heads: heads,
  num_key_value_heads: kvHeads, vocab_size: vocab, max_position_embeddings: 256, tie_word_embeddings: tied,
});

/** Shapes that move each term on its own: layers, width, MLP width, heads, batch, length, vocab (and a tied head). */
const GRID: Record<string, Point[]> = {
  'post-ln-encoder': [
    { config: bert(1, 64, 2, 128, 1000), batch: 2, length: 32 },
    { config: bert(2, 64, 2, 128, 1000), batch: 2, length: 32 },
    { config: bert(3, 64, 2, 256, 1000), batch: 2, length: 32 },
    { config: bert(2, 128, 4, 256, 1000), batch: 2, length: 32 },
    { config: bert(2, 64, 4, 128, 1000), batch: 2, length: 64 },
    { config: bert(2, 64, 2, 512, 1000), batch: 4, length: 32 },
    { config: bert(2, 64, 2, 128, 4000), batch: 2, length: 32 },
    { config: bert(1, 96, 2, 128, 3000), batch: 4, length: 64 },
    { config: bert(2, 96, 6, 384, 1000), batch: 1, length: 96 },
    { config: bert(3, 32, 2, 64, 2000), batch: 8, length: 16 },
    { config: bert(6, 64, 2, 128, 1000), batch: 2, length: 32 },
  ],
  'pre-ln-decoder': [
    { config: gpt2(1, 64, 2, 1000), batch: 2, length: 32 },
    { config: gpt2(2, 64, 2, 1000), batch: 2, length: 32 },
    { config: gpt2(3, 64, 4, 1000, 128), batch: 2, length: 32 },
    { config: gpt2(2, 128, 4, 1000), batch: 2, length: 32 },
    { config: gpt2(2, 64, 2, 1000), batch: 2, length: 96 },
    { config: gpt2(2, 64, 2, 4000), batch: 2, length: 32 },
    { config: gpt2(1, 96, 6, 3000), batch: 4, length: 64 },
    { config: gpt2(2, 32, 2, 2000), batch: 8, length: 16 },
    { config: gpt2(2, 64, 8, 1000), batch: 1, length: 128 },
    { config: gpt2(2, 64, 2, 1000, 512), batch: 4, length: 32 },
    { config: gpt2(6, 64, 2, 1000), batch: 2, length: 32 },
  ],
  'gated-decoder': [
    { config: llama(1, 64, 4, 2, 128, 1000, false), batch: 2, length: 32 },
    { config: llama(2, 64, 4, 2, 128, 1000, false), batch: 2, length: 32 },
    { config: llama(3, 64, 4, 2, 256, 1000, false), batch: 2, length: 32 },
    { config: llama(2, 128, 4, 4, 256, 1000, false), batch: 2, length: 32 },
    { config: llama(2, 64, 8, 2, 128, 1000, false), batch: 2, length: 96 },
    { config: llama(2, 64, 4, 2, 512, 1000, false), batch: 4, length: 32 },
    { config: llama(2, 64, 4, 2, 128, 4000, false), batch: 2, length: 32 },
    { config: llama(2, 64, 4, 2, 128, 4000, true), batch: 2, length: 32 },
    { config: llama(1, 96, 6, 3, 192, 3000, true), batch: 4, length: 64 },
    { config: llama(2, 32, 2, 1, 96, 2000, false), batch: 8, length: 16 },
    { config: llama(2, 64, 4, 4, 128, 1000, true), batch: 1, length: 128 },
    { config: llama(6, 64, 4, 2, 128, 1000, false), batch: 2, length: 32 },
    { config: llama(5, 48, 3, 1, 128, 2000, true), batch: 4, length: 32 },
  ],
};

/** The factors fitted per kind; the others (dropout's) are fixed. */
const FITTED: Record<string, (keyof BlockFactors)[]> = {
  'post-ln-encoder': ['hidden', 'mlp', 'scores', 'outsideHidden', 'embeddingGrad'],
  'pre-ln-decoder': ['hidden', 'mlp', 'scores', 'outsideHidden', 'logits', 'embeddingGrad'],
  'gated-decoder': ['hidden', 'mlp', 'scores', 'outsideHidden', 'logits', 'embeddingGrad', 'tiedHeadGrad'],
};

interface Measured {
  /** Values (float32) the backward pass held over the weights, optimizer state and gradients. */
  activations: number;
  backend: string;
}

async function child(kind: string, index: number): Promise<void> {
  const info = await initBackend({ backend: 'wasm', threads: 1 });
  const { config, batch, length } = GRID[kind][index];
  const step = config.model_type === 'bert' ? await measureEncoderStep(config, batch, length) : await measureDecoderStep(config, batch, length);
  const activations = (step.phases.backward - BYTES_PER_VALUE * step.trainable) / BYTES_PER_VALUE;
  process.stdout.write(JSON.stringify({ activations, backend: info.device } satisfies Measured) + '\n');
}

function measure(kind: string, index: number): Measured {
  const run = spawnSync(process.execPath, [...process.execArgv, __filename, '--child', kind, String(index)], { encoding: 'utf8' });
  const line = run.stdout.trim().split('\n').pop() ?? '';
  if (run.status !== 0 || !line.startsWith('{')) throw new Error(`${kind} point ${index} failed: ${(run.stderr || run.stdout).trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(line) as Measured;
}

/** Least squares by the normal equations (a handful of unknowns), solved by Gaussian elimination with pivoting. */
function leastSquares(rows: number[][], targets: number[]): number[] {
  const n = rows[0].length;
  const a = Array.from({ length: n }, (_, i) => [...Array.from({ length: n }, (_, j) => rows.reduce((s, r) => s + r[i] * r[j], 0)), rows.reduce((s, r, k) => s + r[i] * targets[k], 0)]);
  for (let col = 0; col < n; col++) {
    const pivot = a.slice(col).reduce((best, row, i) => (Math.abs(row[col]) > Math.abs(a[best][col]) ? col + i : best), col);
    [a[col], a[pivot]] = [a[pivot], a[col]];
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = a[r][col] / a[col][col];
      for (let c = col; c <= n; c++) a[r][c] -= f * a[col][c];
    }
  }
  return a.map((row, i) => row[n] / row[i]);
}

function main(): void {
  const fused = !['0', 'false', 'off', 'no'].includes((process.env.FTS_NATIVE ?? '').trim().toLowerCase());
  for (const kind of Object.keys(GRID)) {
    const fitted = FITTED[kind];
    const current = blockFactors(kind as never, fused);
    const points = GRID[kind].map((point, index) => {
      const shape = transformerShape(point.config, 'config.json', 2);
      const terms = activationTerms(shape, { batchSize: point.batch, seqLength: point.length, dropout: false, gradientCheckpointing: false });
      const measured = measure(kind, index);
      // What the fixed factors account for is taken off before the fit.
      const fixed = (Object.keys(terms) as (keyof BlockFactors)[]).filter((k) => !fitted.includes(k)).reduce((s, k) => s + current[k] * terms[k], 0);
      return { point, terms, measured, target: measured.activations - fixed, fixed };
    });
    const factors = leastSquares(points.map((p) => fitted.map((k) => p.terms[k])), points.map((p) => p.target));
    console.log(`\n${kind} (${points[0].measured.backend}), ${points.length} shapes:`);
    console.log(`  fitted: ${fitted.map((k, i) => `${k} ${factors[i].toFixed(1)}`).join(', ')}`);
    console.log(`  in estimate.ts now: ${fitted.map((k) => `${k} ${current[k]}`).join(', ')}`);
    for (const p of points) {
      const fit = p.fixed + fitted.reduce((s, k, i) => s + factors[i] * p.terms[k], 0);
      const now = (Object.keys(p.terms) as (keyof BlockFactors)[]).reduce((s, k) => s + current[k] * p.terms[k], 0);
      const c = p.point.config;
      const name = `${c.model_type} ${JSON.stringify([c.num_hidden_layers ?? c.n_layer, c.hidden_size ?? c.n_embd, c.num_attention_heads ?? c.n_head, c.intermediate_size ?? c.n_inner ?? '4D', c.vocab_size, c.tie_word_embeddings ?? ''])} ${p.point.batch}×${p.point.length}`;
      console.log(`  ${name}: measured ${(p.measured.activations / 1e6).toFixed(3)}M values, fit ${((fit / p.measured.activations - 1) * 100).toFixed(1)}%, estimate.ts now ${((now / p.measured.activations - 1) * 100).toFixed(1)}%`);
    }
  }
}

const at = process.argv.indexOf('--child');
if (at >= 0) void child(process.argv[at + 1], Number(process.argv[at + 2]));
else main();
