/**
 * Decoder language models written from transformers' modeling files: GPT-2 (learned positions,
 * pre-LN blocks, fused c_attn, GELU MLP, lm_head tied to wte) and the Llama family, which Qwen2 and
 * Mistral share (RMSNorm, RoPE with rotate_half, grouped-query attention, SwiGLU; Qwen2's q/k/v
 * biases, Mistral's sliding window). Weights carry transformers' key names; every projection is a
 * `linear` (held [in, out]; GPT-2's Conv1D is [in, out] on disk too, Linear is transposed by the loader).
 *
 * ## Forward with a KV cache (for generation)
 *
 * `decode(inputs, { past, positionOffset })` runs the new tokens only and returns their logits and the
 * cache extended by them:
 * - `inputs.input_ids` [batch, new] (int32): the tokens not yet in the cache;
 * - `inputs.attention_mask` [batch, past + new] (optional, 1 = real token, 0 = padding): covers the
 *   cached positions too, as in transformers' generate;
 * - `inputs.position_ids` [batch, new] (optional): default `positionOffset + 0..new-1`; give them
 *   (cumsum(mask) - 1) for left-padded batches as generate does;
 * - `past`: the `cache` a previous call returned (absent on the first call); `positionOffset`
 *   defaults to `past.length`, and the causal mask always uses cache positions, as transformers does.
 * It returns `{ logits [batch, new, vocab], cache }`: new tensors the caller owns (dispose the old
 * cache once the new one exists; `disposeCache`). Keys are cached after RoPE, [batch, kv_heads, len, head_dim].
 */
import * as tf from '@tensorflow/tfjs';
import * as fused from '../../backends/fused';
import type { DropoutContext } from '../ops';
import { embed } from '../ops';
import { checkpointed } from './checkpointing';
import type { DecoderConfig } from './decoder-config';
import { activate, gatedActivate, linear, norm, rmsNorm, wrapFactory, type Layer, type ParamFactory } from './layers';

/** The most negative float32: transformers' additive mask value (torch.finfo(float32).min). */
const FLOAT32_MIN = -3.4028234663852886e38;

export interface LayerCache {
  key: tf.Tensor;
  value: tf.Tensor;
}

export interface KvCache {
  layers: LayerCache[];
  /** Positions held (the second-to-last axis of every key and value). */
  length: number;
}

export interface DecodeOptions {
  past?: KvCache;
  /** Position of the first new token; default `past.length` (0 without a cache). */
  positionOffset?: number;
  /** Whether to build the new cache (training passes do not). Default true. */
  returnCache?: boolean;
  /** Recompute each block in the backward pass (only while training). */
  checkpoint?: boolean;
}

export interface DecodeResult {
  logits: tf.Tensor;
  cache?: KvCache;
}

export function disposeCache(cache: KvCache | undefined): void {
  if (cache) for (const layer of cache.layers) tf.dispose([layer.key, layer.value]);
}

/**
 * What a builder's caller adds around the network: `dropoutScope` runs each block (and the whole
 * pass) with that part's dropout context made visible to layers that take no context, such as LoRA
 * adapters on the block's linears; a checkpointed block's recomputation runs under it again.
 */
export interface DecoderHooks {
  dropoutScope?: <T>(dropout: DropoutContext, run: () => T) => T;
}

/** A decoder: its forward over any inputs and cache. Dropout comes from the context (off when not training). */
export interface DecoderNetwork {
  decode(inputs: Readonly<Record<string, tf.Tensor>>, dropout: DropoutContext, options?: DecodeOptions): DecodeResult;
}

/** What one block needs besides its input. */
interface BlockContext {
  /** Additive mask per distinct sliding window (undefined: full causal), [b, 1, new, past + new]. */
  maskBias: (window: number | undefined) => tf.Tensor;
  past?: LayerCache;
  rotary?: { cos: tf.Tensor; sin: tf.Tensor };
  dropout: DropoutContext;
  /** Receives the layer's keys and values (with the past) when a cache is built. */
  keep?: (cache: LayerCache) => void;
}

type BlockFn = (h: tf.Tensor, context: BlockContext) => tf.Tensor;

interface BuiltBlock {
  run: BlockFn;
  variables: tf.Variable[];
}

/** A ParamFactory that also records what it made (LoRA adapters included), for gradient checkpointing. */
function recording(param: ParamFactory, into: tf.Variable[]): ParamFactory {
  return wrapFactory(param, (name, shape, kind) => {
    const variable = param(name, shape, kind);
    into.push(variable);
    return variable;
  });
}

/** [b, L, heads·d] → [b, heads, L, d]. */
function splitHeads(x: tf.Tensor, heads: number, headDim: number): tf.Tensor {
  const [batch, length] = x.shape as [number, number, number];
  return tf.transpose(tf.reshape(x, [batch, length, heads, headDim]), [0, 2, 1, 3]);
}

/**
 * Scaled dot-product attention with grouped key/value heads: q [b, H, L, d], k and v [b, KV, T, d],
 * bias [b, 1, L, T]. Query heads h·rep … h·rep+rep-1 share kv head h (transformers' repeat_kv), done by
 * grouping the queries instead of copying the keys. Returns [b, L, H·d].
 */
function attention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, bias: tf.Tensor, scale: number, rate: number, dropout: DropoutContext): tf.Tensor {
  const [batch, heads, length, headDim] = q.shape as [number, number, number, number];
  const kvHeads = k.shape[1] as number;
  const rep = heads / kvHeads;
  const grouped = rep === 1 ? q : tf.reshape(q, [batch, kvHeads, rep * length, headDim]);
  // Grouped query rows are (head in group, position): each group of rows sees the bias rows once.
  const mask = rep === 1 ? bias : tf.tile(bias, [1, 1, rep, 1]);
  const probsDropout = rate > 0 && dropout.training ? (probs: tf.Tensor) => dropout.apply(probs, rate) : undefined;
  const context = tf.reshape(fused.attention(grouped, k, v, mask, scale, probsDropout), [batch, heads, length, headDim]);
  return tf.reshape(tf.transpose(context, [0, 2, 1, 3]), [batch, length, heads * headDim]);
}

/** Keys and values with the cached ones in front, handed to the cache when one is built. */
function withPast(k: tf.Tensor, v: tf.Tensor, context: BlockContext): [tf.Tensor, tf.Tensor] {
  const key = context.past ? tf.concat([context.past.key, k], 2) : k;
  const value = context.past ? tf.concat([context.past.value, v], 2) : v;
  context.keep?.({ key, value });
  return [key, value];
}

/** transformers' rotate_half: (x1, x2) → (−x2, x1) over the two halves of the head dimension. */
function applyRotary(x: tf.Tensor, cos: tf.Tensor, sin: tf.Tensor): tf.Tensor {
  const half = (x.shape[3] as number) / 2;
  const [x1, x2] = tf.split(x, [half, half], 3);
  const rotated = tf.concat([tf.neg(x2), x1], 3);
  return tf.add(tf.mul(x, cos), tf.mul(rotated, sin));
}

/**
 * cos and sin [b, 1, L, d] for position ids [b, L], as LlamaRotaryEmbedding computes them in float32:
 * inv_freq = 1 / θ^(2i/d) (divided by the factor for linear scaling), angles = positions · inv_freq,
 * duplicated over both halves.
 */
function rotaryTables(config: DecoderConfig, positionIds: tf.Tensor): { cos: tf.Tensor; sin: tf.Tensor } {
  const rope = config.rope as NonNullable<DecoderConfig['rope']>;
  const dim = config.headDim;
  const inverse = new Float32Array(dim / 2);
  for (let i = 0; i < dim / 2; i++) {
    const power = Math.fround(rope.theta ** Math.fround((2 * i) / dim));
    inverse[i] = Math.fround(Math.fround(1 / power) / rope.factor);
  }
  const [batch, length] = positionIds.shape as [number, number];
  const angles = tf.mul(tf.reshape(tf.cast(positionIds, 'float32'), [batch, length, 1]), tf.tensor1d(inverse));
  const full = tf.expandDims(tf.concat([angles, angles], -1), 1);
  return { cos: tf.cos(full), sin: tf.sin(full) };
}

function asInt(x: tf.Tensor): tf.Tensor {
  return x.dtype === 'int32' ? x : tf.cast(x, 'int32');
}

/**
 * Packed rows in one sequence (TRL's padding-free `bfd` packing): a row starts wherever position_ids
 * do not step by one, as transformers' find_packed_sequence_indices reads them. [b, L] → segment ids.
 */
function packedSegments(positionIds: tf.Tensor): tf.Tensor {
  const length = positionIds.shape[1] as number;
  const previous = tf.concat([tf.sub(tf.slice(positionIds, [0, 0], [-1, 1]), 1), tf.slice(positionIds, [0, 0], [-1, length - 1])], 1);
  return tf.cumsum(tf.cast(tf.notEqual(tf.sub(positionIds, previous), 1), 'int32'), 1);
}

/**
 * The additive mask [b, 1, new, total]: key j is visible from the query at cache position p when
 * j ≤ p, the key is not padding, (sliding window w) p − j < w, and (packed rows, no cache) both are
 * in the same row.
 */
function makeMaskBias(
  keyMask: tf.Tensor | undefined,
  batch: number,
  length: number,
  total: number,
  offset: number,
  windows: ReadonlySet<number | undefined>,
  segments?: tf.Tensor,
) {
  const queryPositions = tf.reshape(tf.range(offset, offset + length, 1, 'int32'), [length, 1]);
  const keyPositions = tf.reshape(tf.range(0, total, 1, 'int32'), [1, total]);
  const keys = keyMask ? tf.reshape(tf.greater(keyMask, 0), [batch, 1, 1, total]) : undefined;
  const made = new Map<number | undefined, tf.Tensor>();
  for (const window of windows) {
    let allowed = tf.lessEqual(keyPositions, queryPositions);
    if (window !== undefined) allowed = tf.logicalAnd(allowed, tf.less(tf.sub(queryPositions, keyPositions), window));
    let full = tf.reshape(allowed, [1, 1, length, total]);
    if (keys) full = tf.logicalAnd(full, keys);
    if (segments) full = tf.logicalAnd(full, tf.equal(tf.reshape(segments, [batch, 1, length, 1]), tf.reshape(segments, [batch, 1, 1, total])));
    made.set(window, tf.where(full, tf.scalar(0), tf.scalar(FLOAT32_MIN)));
  }
  return (window: number | undefined): tf.Tensor => made.get(window) as tf.Tensor;
}

/** The shared forward: embeddings (family-specific), blocks, final norm, LM head. */
function decoderNetwork(
  config: DecoderConfig,
  embedTokens: (ids: tf.Tensor, positionIds: tf.Tensor, dropout: DropoutContext) => tf.Tensor,
  blocks: BuiltBlock[],
  finalNorm: Layer,
  head: Layer,
  usesRotary: boolean,
  hooks: DecoderHooks,
): DecoderNetwork {
  const scope = hooks.dropoutScope ?? (<T>(_: DropoutContext, run: () => T): T => run());
  const blockRuns: BlockFn[] = blocks.map((block) => (h, context) => scope(context.dropout, () => block.run(h, context)));
  const decodeAll = (inputs: Readonly<Record<string, tf.Tensor>>, dropout: DropoutContext, options: DecodeOptions): DecodeResult => {
    const ids = asInt(inputs.input_ids);
    if (ids.rank !== 2) throw new Error(`${config.modelType}: input_ids must be [batch, length], got shape [${ids.shape.join(', ')}]`);
    const [batch, length] = ids.shape as [number, number];
    const past = options.past;
    const pastLength = past?.length ?? 0;
    const offset = options.positionOffset ?? pastLength;
    const total = pastLength + length;
    if (offset + length > config.maxPositions && config.family === 'gpt2') {
      throw new Error(`${config.modelType}: position ${offset + length} exceeds the model's ${config.maxPositions} positions (n_positions); lower model.max_length`);
    }
    const mask = inputs.attention_mask;
    if (mask && (mask.shape[0] !== batch || mask.shape[1] !== total)) {
      throw new Error(`${config.modelType}: attention_mask must be [${batch}, ${total}] (cached + new positions), got [${mask.shape.join(', ')}]`);
    }
    const positionIds = inputs.position_ids ? asInt(inputs.position_ids) : tf.tile(tf.expandDims(tf.range(offset, offset + length, 1, 'int32'), 0), [batch, 1]);
    // Made before the blocks: a checkpointed block runs in a scope that frees what it creates.
    // Given position_ids without a cache are a training batch: packed rows must not see each other.
    const segments = inputs.position_ids && pastLength === 0 && length > 1 ? packedSegments(positionIds) : undefined;
    const maskBias = makeMaskBias(mask, batch, length, total, pastLength, new Set(config.slidingWindows), segments);
    const rotary = usesRotary ? rotaryTables(config, positionIds) : undefined;
    const cacheLayers: LayerCache[] = [];
    const keep = options.returnCache === false ? undefined : (layer: LayerCache) => cacheLayers.push(layer);
    const checkpoint = options.checkpoint === true && dropout.training;
    let h = embedTokens(ids, positionIds, dropout);
    blocks.forEach((block, i) => {
      const runBlock = blockRuns[i] as BlockFn;
      if (!checkpoint) {
        h = runBlock(h, { maskBias, past: past?.layers[i], rotary, dropout: dropout.child(i), keep });
        return;
      }
      const constants = [maskBias(config.slidingWindows[i]), ...(rotary ? [rotary.cos, rotary.sin] : [])];
      // A fresh child context per run: the recomputation draws the forward pass's masks again.
      const run = (x: tf.Tensor, [mask, cos, sin]: readonly tf.Tensor[]) =>
        runBlock(x, { maskBias: () => mask, rotary: cos && sin ? { cos, sin } : undefined, dropout: dropout.child(i) });
      h = checkpointed(run, h, constants, block.variables);
    });
    const logits = head(finalNorm(h));
    return keep ? { logits, cache: { layers: cacheLayers, length: total } } : { logits };
  };
  return {
    decode: (inputs, dropout, options = {}) => scope(dropout, () => decodeAll(inputs, dropout, options)),
  };
}

/** The LM head: lm_head.weight, or the embedding table itself when tied (transformers' tie_weights). */
function lmHead(config: DecoderConfig, param: ParamFactory, table: tf.Variable): Layer {
  if (!config.tieWordEmbeddings) return linear(param, 'lm_head', config.hiddenSize, config.vocabSize, { bias: false });
  return (x) => {
    const flat = tf.reshape(x, [-1, config.hiddenSize]) as tf.Tensor2D;
    return tf.reshape(tf.matMul(flat, table as tf.Tensor2D, false, true), [...x.shape.slice(0, -1), config.vocabSize]);
  };
}

/** GPT2LMHeadModel. */
export function buildGpt2(config: DecoderConfig, param: ParamFactory, hooks: DecoderHooks = {}): DecoderNetwork {
  const { prefix: p, hiddenSize: dim, numHeads: heads, headDim, normEps: eps } = config;
  const wte = param(`${p}.wte.weight`, [config.vocabSize, dim], 'embedding');
  const wpe = param(`${p}.wpe.weight`, [config.maxPositions, dim], 'embedding');
  const blocks = Array.from({ length: config.numLayers }, (_, i): BuiltBlock => {
    const variables: tf.Variable[] = [];
    const own = recording(param, variables);
    const b = `${p}.h.${i}`;
    const ln1 = norm(own, `${b}.ln_1`, dim, eps);
    const cAttn = linear(own, `${b}.attn.c_attn`, dim, 3 * dim);
    const attnProj = linear(own, `${b}.attn.c_proj`, dim, dim);
    const ln2 = norm(own, `${b}.ln_2`, dim, eps);
    const cFc = linear(own, `${b}.mlp.c_fc`, dim, config.intermediateSize);
    const mlpProj = linear(own, `${b}.mlp.c_proj`, config.intermediateSize, dim);
    let scale = config.scaleAttnWeights ? headDim ** -0.5 : 1;
    if (config.scaleAttnByInverseLayerIdx) scale /= i + 1;
    const run: BlockFn = (h, context) => {
      const [q, k, v] = tf.split(cAttn(ln1(h)), 3, -1).map((x) => splitHeads(x, heads, headDim));
      const [key, value] = withPast(k, v, context);
      const attended = attention(q, key, value, context.maskBias(undefined), scale, config.attentionDropout, context.dropout);
      h = tf.add(h, context.dropout.apply(attnProj(attended), config.residualDropout));
      const mlp = mlpProj(activate(cFc(ln2(h)), config.activation));
      return tf.add(h, context.dropout.apply(mlp, config.residualDropout));
    };
    return { run, variables };
  });
  const lnF = norm(param, `${p}.ln_f`, dim, eps);
  const head = lmHead(config, param, wte);
  const embedTokens = (ids: tf.Tensor, positionIds: tf.Tensor, dropout: DropoutContext) =>
    dropout.apply(tf.add(embed(wte, ids), embed(wpe, positionIds)), config.embeddingDropout);
  return decoderNetwork(config, embedTokens, blocks, lnF, head, false, hooks);
}

/** LlamaForCausalLM, Qwen2ForCausalLM, MistralForCausalLM. */
export function buildLlama(config: DecoderConfig, param: ParamFactory, hooks: DecoderHooks = {}): DecoderNetwork {
  const { prefix: p, hiddenSize: dim, numHeads: heads, numKeyValueHeads: kvHeads, headDim, normEps: eps } = config;
  const embedTokensTable = param(`${p}.embed_tokens.weight`, [config.vocabSize, dim], 'embedding');
  const scale = headDim ** -0.5;
  const blocks = Array.from({ length: config.numLayers }, (_, i): BuiltBlock => {
    const variables: tf.Variable[] = [];
    const own = recording(param, variables);
    const b = `${p}.layers.${i}`;
    const inputNorm = rmsNorm(own, `${b}.input_layernorm`, dim, eps);
    const q = linear(own, `${b}.self_attn.q_proj`, dim, heads * headDim, { bias: config.qkvBias });
    const k = linear(own, `${b}.self_attn.k_proj`, dim, kvHeads * headDim, { bias: config.qkvBias });
    const v = linear(own, `${b}.self_attn.v_proj`, dim, kvHeads * headDim, { bias: config.qkvBias });
    const o = linear(own, `${b}.self_attn.o_proj`, heads * headDim, dim, { bias: config.outputBias });
    const postNorm = rmsNorm(own, `${b}.post_attention_layernorm`, dim, eps);
    const gate = linear(own, `${b}.mlp.gate_proj`, dim, config.intermediateSize, { bias: config.mlpBias });
    const up = linear(own, `${b}.mlp.up_proj`, dim, config.intermediateSize, { bias: config.mlpBias });
    const down = linear(own, `${b}.mlp.down_proj`, config.intermediateSize, dim, { bias: config.mlpBias });
    const window = config.slidingWindows[i];
    const run: BlockFn = (h, context) => {
      const x = inputNorm(h);
      const { cos, sin } = context.rotary as NonNullable<BlockContext['rotary']>;
      const queries = applyRotary(splitHeads(q(x), heads, headDim), cos, sin);
      const keys = applyRotary(splitHeads(k(x), kvHeads, headDim), cos, sin);
      const [key, value] = withPast(keys, splitHeads(v(x), kvHeads, headDim), context);
      h = tf.add(h, o(attention(queries, key, value, context.maskBias(window), scale, config.attentionDropout, context.dropout)));
      const y = postNorm(h);
      return tf.add(h, down(gatedActivate(gate(y), up(y), config.activation)));
    };
    return { run, variables };
  });
  const finalNorm = rmsNorm(param, `${p}.norm`, dim, eps);
  const head = lmHead(config, param, embedTokensTable);
  return decoderNetwork(config, (ids) => embed(embedTokensTable, ids), blocks, finalNorm, head, true, hooks);
}

export function buildDecoder(config: DecoderConfig, param: ParamFactory, hooks: DecoderHooks = {}): DecoderNetwork {
  return config.family === 'gpt2' ? buildGpt2(config, param, hooks) : buildLlama(config, param, hooks);
}
