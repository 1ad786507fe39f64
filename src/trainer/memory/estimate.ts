/**
 * The memory plan's arithmetic: the peak bytes of one training step from the parameters (all of
 * them stored, gradients and optimizer state only for the trainable ones) and the activations tfjs
 * keeps for the backward pass. Pure: no tfjs, no files, no Node, so the editor computes the same plan.
 */
import type { BlockKind, TransformerShape } from './shape';

/** Everything is float32 here: checkpoints in F16/BF16 are upcast when read. */
export const BYTES_PER_VALUE = 4;

export interface ParameterSummary {
  total: number;
  trainable: number;
  /** Elements of the largest single weight (a WebGPU buffer must hold it, and its gradient). */
  largest: number;
  /** Elements of the largest trainable weight (its update's temporaries are the largest). */
  largestTrainable: number;
  /** Whether the token embedding trains (frozen under LoRA): its backward makes a dense [vocab, D] gradient. Default true. */
  embeddingTrainable?: boolean;
}

/** The token embedding's weight, by transformers' names (BERT family, DistilBERT, GPT-2, Llama family). */
export const TOKEN_EMBEDDING = /(^|\.)(word_embeddings|wte|embed_tokens)\.weight$/;

/**
 * Optimizer state slots per trainable value, as src/trainer/optimizers/rules.ts allocates them:
 * Adam(W) two moments; SGD a momentum buffer only with momentum; Adagrad a sum; RMSprop a square
 * average, plus a gradient average when centered and a buffer with momentum.
 */
export function optimizerSlots(optim: string, optimArgs?: string): number {
  const args = new Map<string, string>();
  for (const part of (optimArgs ?? '').split(',')) {
    const [key, value] = part.split('=').map((s) => s.trim());
    if (key && value !== undefined) args.set(key, value.toLowerCase());
  }
  const nonZero = (key: string) => args.has(key) && Number(args.get(key)) !== 0;
  switch (optim) {
    case 'sgd':
      return nonZero('momentum') ? 1 : 0;
    case 'adagrad':
      return 1;
    case 'rmsprop':
      return 1 + (args.get('centered') === 'true' ? 1 : 0) + (nonZero('momentum') ? 1 : 0);
    default:
      return 2;
  }
}

/** Short optimizer name for the plan line: "Adam 0.88". */
export function optimizerLabel(optim: string): string {
  if (optim.startsWith('adam')) return 'Adam';
  if (optim === 'sgd') return 'SGD';
  if (optim === 'adagrad') return 'Adagrad';
  if (optim === 'rmsprop') return 'RMSprop';
  return optim;
}

/**
 * Float32 values tfjs holds per block and step, as multiples of B·L·D (`hidden`), B·L·F (`mlp`)
 * and B·H·L² (`scores`). tfjs keeps every forward tensor of `variableGrads` and every activation
 * gradient until the backward pass ends, so these count both. `dropoutHidden`/`dropoutScores` are
 * added when dropout is active (tf.dropout makes five tensors of its input's size).
 * Fitted (least squares) to the wasm heap's live bytes in one AdamW step of our code, measured by
 * bench/memory-step.ts: the post-LN encoder on 12 BERT shapes (within 0.3%), the decoders on 6-7
 * small GPT-2 and Llama shapes each, with and without gradient checkpointing (within 2%), on pure
 * wasm. bench/memory-fit.ts refits them (FTS_NATIVE=0 for these): on its own grid these are within 3.7%.
 */
export interface BlockFactors {
  hidden: number;
  mlp: number;
  scores: number;
  dropoutHidden: number;
  dropoutScores: number;
  /** Outside the blocks: embeddings, the final norm, the head, per B·L·D; and more when the embeddings' dropout is on. */
  outsideHidden: number;
  outsideDropout: number;
  /** Per B·L·vocab for a causal LM's logits: the logits, the shifted log-softmax, their gradients. */
  logits: number;
  /**
   * Per vocab·D: the token embedding's gradient is first a dense [vocab, D] sum (UnsortedSegmentSum),
   * then added; without checkpointing it coincides with the backward pass's peak.
   */
  embeddingGrad: number;
  /**
   * Per vocab·D when a causal LM's head is tied to its token embedding: the head's [vocab, D] gradient
   * is held through the backward pass, with or without checkpointing or LoRA (SmolLM2-shaped rows of
   * bench/memory.ts were 4-8% under without it). GPT-2 is always tied, so its fits already hold it.
   */
  tiedHeadGrad: number;
}

/** Factors of the composite kernels: pure wasm (no native addon, FTS_NATIVE=0), cpu, and the other backends. */
export const BLOCK_FACTORS: Record<BlockKind, BlockFactors> = {
  'post-ln-encoder': { hidden: 56.2, mlp: 17, scores: 7, dropoutHidden: 10.2, dropoutScores: 5, outsideHidden: 20.5, outsideDropout: 5, logits: 0, embeddingGrad: 1, tiedHeadGrad: 0 },
  'pre-ln-decoder': { hidden: 62.9, mlp: 17, scores: 7, dropoutHidden: 10.2, dropoutScores: 5, outsideHidden: 18.7, outsideDropout: 5, logits: 11, embeddingGrad: 2, tiedHeadGrad: 0 },
  'gated-decoder': { hidden: 52, mlp: 10.3, scores: 7.9, dropoutHidden: 0, dropoutScores: 5, outsideHidden: 27.8, outsideDropout: 0, logits: 10.3, embeddingGrad: 1.5, tiedHeadGrad: 1 },
};

/**
 * Factors with the native addon's fused kernels on wasm (backends/fused: layer norm, RMSNorm, masked
 * softmax, GELU, SwiGLU keep their inputs and a few statistics, not every intermediate). The dropout
 * terms are the composites' (dropout is not fused). Fitted by `node --import tsx bench/memory-fit.ts`
 * (least squares over 11-13 small shapes per kind, dropout off; every shape within 3.3%).
 */
export const FUSED_BLOCK_FACTORS: Record<BlockKind, BlockFactors> = {
  'post-ln-encoder': { ...BLOCK_FACTORS['post-ln-encoder'], hidden: 34.2, mlp: 5, scores: 3, outsideHidden: 9.1, embeddingGrad: 1 },
  'pre-ln-decoder': { ...BLOCK_FACTORS['pre-ln-decoder'], hidden: 39.4, mlp: 5, scores: 3.1, outsideHidden: 7.8, logits: 11, embeddingGrad: 2 },
  'gated-decoder': { ...BLOCK_FACTORS['gated-decoder'], hidden: 44.6, mlp: 5.5, scores: 3, outsideHidden: 18.5, logits: 10.6, embeddingGrad: 1.2, tiedHeadGrad: 1 },
};

/** The factor set of a backend's kernels. */
export function blockFactors(kind: BlockKind, fusedKernels: boolean): BlockFactors {
  return (fusedKernels ? FUSED_BLOCK_FACTORS : BLOCK_FACTORS)[kind];
}

/** With gradient checkpointing, per block and B·L·D: the block's saved input (the fits give 0-1.5). */
const CHECKPOINT_PER_LAYER = 1;

/**
 * After the backward pass (measured the same way, bench/memory-step.ts's norm and update phases): the
 * gradient norm adds nothing measurable; the AdamW update holds one more value per trainable parameter
 * besides the gradients (re-measured for BERT, GPT-2 and Llama shapes; the 12 × largest weight fitted
 * earlier no longer holds).
 */
const UPDATE_PER_TRAINABLE = 1;

export interface StepShape {
  batchSize: number;
  seqLength: number;
  /** Training with dropout (rates from the checkpoint's config). */
  dropout: boolean;
  gradientCheckpointing: boolean;
  /** False when the token embedding is frozen (LoRA, model.freeze): its gradient is never made. */
  embeddingTrainable?: boolean;
  /** The backend runs the fused transformer kernels (MemoryLimit.fusedKernels). */
  fusedKernels?: boolean;
}

/**
 * The sizes the activation factors multiply, in float32 values: what one micro-batch keeps for its
 * backward pass is the sum of each term times its factor (the dropout terms are zero without dropout).
 */
export type ActivationTerms = Record<keyof BlockFactors, number>;

export function activationTerms(shape: TransformerShape, step: StepShape): ActivationTerms {
  const b = step.batchSize;
  const l = step.seqLength;
  const hidden = b * l * shape.hiddenSize;
  const mlp = b * l * shape.intermediateSize;
  const scores = b * shape.numHeads * l * l;
  const hiddenDropout = step.dropout && shape.hiddenDropout > 0 ? 1 : 0;
  const scoresDropout = step.dropout && shape.attentionDropout > 0 ? 1 : 0;
  // Checkpointing keeps each block's input and recomputes one block at a time in the backward pass;
  // the peak is then in the first recomputed block, before the embedding's gradient exists.
  const blocks = step.gradientCheckpointing ? 1 : shape.numLayers;
  const causal = shape.head === 'causal-lm';
  const vocabByHidden = shape.vocabSize * shape.hiddenSize;
  return {
    hidden: blocks * hidden,
    mlp: blocks * mlp,
    scores: blocks * scores,
    dropoutHidden: blocks * hidden * hiddenDropout,
    dropoutScores: blocks * scores * scoresDropout,
    outsideHidden: hidden,
    outsideDropout: hidden * hiddenDropout,
    logits: causal ? b * l * shape.vocabSize : 0,
    embeddingGrad: step.gradientCheckpointing || step.embeddingTrainable === false ? 0 : vocabByHidden,
    tiedHeadGrad: causal && shape.tiedEmbeddings ? vocabByHidden : 0,
  };
}

/** Bytes of activations (and activation gradients) one micro-batch keeps for its backward pass. */
export function activationBytes(shape: TransformerShape, step: StepShape): number {
  const factors = blockFactors(shape.block, step.fusedKernels === true);
  const terms = activationTerms(shape, step);
  let values = step.gradientCheckpointing ? shape.numLayers * CHECKPOINT_PER_LAYER * step.batchSize * step.seqLength * shape.hiddenSize : 0;
  for (const key of Object.keys(terms) as (keyof BlockFactors)[]) values += factors[key] * terms[key];
  return BYTES_PER_VALUE * values;
}

/** Bytes the gradient norm and the optimizer update hold besides the weights, gradients and state. */
export function updateBytes(parameters: ParameterSummary): number {
  return BYTES_PER_VALUE * UPDATE_PER_TRAINABLE * parameters.trainable;
}

/** The largest single tensor of a step, in bytes, and what it is. */
export function largestActivation(shape: TransformerShape, step: Pick<StepShape, 'batchSize' | 'seqLength'>): { bytes: number; what: string } {
  const b = step.batchSize;
  const l = step.seqLength;
  const candidates = [
    { bytes: BYTES_PER_VALUE * b * shape.numHeads * l * l, what: `attention scores [${b}, ${shape.numHeads}, ${l}, ${l}]` },
    { bytes: BYTES_PER_VALUE * b * l * shape.intermediateSize, what: `MLP activations [${b}, ${l}, ${shape.intermediateSize}]` },
  ];
  if (shape.head === 'causal-lm') candidates.push({ bytes: BYTES_PER_VALUE * b * l * shape.vocabSize, what: `logits [${b}, ${l}, ${shape.vocabSize}]` });
  return candidates.reduce((a, c) => (c.bytes > a.bytes ? c : a));
}

/** What a backend can hold: the whole step (`bytes`), and one tensor (`tensorBytes`, WebGPU's binding limit). */
export interface MemoryLimit {
  backend: string;
  bytes: number;
  /** "4 GiB (wasm)", "31.2 GiB (cpu: machine memory)". */
  label: string;
  tensorBytes?: number;
  tensorLabel?: string;
  /** The backend runs the native fused transformer kernels, which keep fewer intermediates for the backward pass. */
  fusedKernels?: boolean;
  /**
   * Above these bytes a step that fits `bytes` may still fail: the backend holds memory the plan
   * does not see (pure wasm: see limits.ts). The plan then carries a caution, not a refusal.
   */
  cautionBytes?: number;
  /** Why, in a clause: "the pure wasm kernels hold up to 1.55 × the live bytes (…)". */
  cautionReason?: string;
}

export interface PlanInput {
  parameters: ParameterSummary;
  optim: string;
  optimArgs?: string;
  /** Undefined for the built-in architectures: their activations are estimated from `activationOverride`. */
  shape?: TransformerShape;
  /** Activation bytes when no TransformerShape describes the model. */
  activationOverride?: number;
  step: StepShape;
  gradientAccumulationSteps: number;
  limit: MemoryLimit;
}

export interface MemoryPlan {
  weights: number;
  grads: number;
  optimizer: number;
  optimizerLabel: string;
  activations: number;
  total: number;
  batchSize: number;
  seqLength: number;
  gradientCheckpointing: boolean;
  limit: MemoryLimit;
  /** The largest single tensor (bytes, description), checked against `limit.tensorBytes`. */
  largestTensor: { bytes: number; what: string };
  fits: boolean;
  /** Why it does not fit, in a sentence; absent when it fits. */
  overflow?: string;
  /** It fits, but above the limit's caution bytes: what may happen and what keeps it safe. */
  caution?: string;
}

export function estimateMemory(input: PlanInput): MemoryPlan {
  const { parameters, step, limit } = input;
  const weights = parameters.total * BYTES_PER_VALUE;
  // Accumulating micro-batches holds the running sum and the new gradients together.
  const grads = parameters.trainable * BYTES_PER_VALUE * (input.gradientAccumulationSteps > 1 ? 2 : 1);
  const optimizer = parameters.trainable * BYTES_PER_VALUE * optimizerSlots(input.optim, input.optimArgs);
  // The step peaks at the end of the backward pass (activations and gradients held) or in the
  // optimizer update, after the activations are freed; `activations` is whichever is more.
  const backward = input.shape ? activationBytes(input.shape, step) : (input.activationOverride ?? 0);
  const activations = Math.max(backward, updateBytes(parameters));
  const total = weights + grads + optimizer + activations;
  const weight = { bytes: parameters.largest * BYTES_PER_VALUE, what: 'the largest weight' };
  const activation = input.shape ? largestActivation(input.shape, step) : { bytes: 0, what: '' };
  const largestTensor = activation.bytes > weight.bytes ? activation : weight;
  let overflow: string | undefined;
  if (total > limit.bytes) overflow = `the step needs about ${formatGB(total)} GB, more than the ${limit.label}`;
  else if (limit.tensorBytes !== undefined && largestTensor.bytes > limit.tensorBytes) {
    overflow = `${largestTensor.what} takes ${formatGB(largestTensor.bytes)} GB, more than one buffer may hold (${limit.tensorLabel ?? formatGB(limit.tensorBytes) + ' GB'})`;
  }
  const caution =
    overflow === undefined && limit.cautionBytes !== undefined && total > limit.cautionBytes
      ? `about ${formatGB(total)} GB may still not fit: ${limit.cautionReason ?? 'the backend holds memory the plan does not count'}, so above ${formatGB(limit.cautionBytes)} GB the heap can run out. A smaller batch or gradient_checkpointing: true keeps it under.`
      : undefined;
  return {
    weights,
    grads,
    optimizer,
    optimizerLabel: optimizerLabel(input.optim),
    activations,
    total,
    batchSize: step.batchSize,
    seqLength: step.seqLength,
    gradientCheckpointing: step.gradientCheckpointing,
    limit,
    largestTensor,
    fits: overflow === undefined,
    ...(overflow ? { overflow } : {}),
    ...(caution ? { caution } : {}),
  };
}

/** Bytes as decimal GB with two decimals: 0.44. */
export function formatGB(bytes: number): string {
  return (bytes / 1e9).toFixed(2);
}

/** "4 GiB", "31.2 GiB", "128 MiB": limits are binary sizes. */
export function formatLimit(bytes: number): string {
  const gib = bytes / 2 ** 30;
  if (gib < 1) return `${Math.round(bytes / 2 ** 20)} MiB`;
  return Math.abs(gib - Math.round(gib)) < 0.01 ? `${Math.round(gib)} GiB` : `${gib.toFixed(1)} GiB`;
}

/**
 * The plan in one line: "weights 0.44 GB, grads 0.44, Adam 0.88, activations ≈ 1.20 at batch 8 × 128:
 * 2.96 GB of 4 GiB (wasm)".
 */
export function formatPlan(plan: MemoryPlan): string {
  const optimizer = plan.optimizer > 0 ? `, ${plan.optimizerLabel} ${formatGB(plan.optimizer)}` : '';
  const checkpointing = plan.gradientCheckpointing ? ' with gradient checkpointing' : '';
  return (
    `weights ${formatGB(plan.weights)} GB, grads ${formatGB(plan.grads)}${optimizer}, activations ≈ ${formatGB(plan.activations)} ` +
    `at batch ${plan.batchSize} × ${plan.seqLength}${checkpointing}: ${formatGB(plan.total)} GB of ${plan.limit.label}`
  );
}
