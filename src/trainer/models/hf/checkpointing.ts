/**
 * Gradient checkpointing (transformers' `gradient_checkpointing_enable`): a block keeps only its input
 * in the forward pass, and its activations are recomputed in the backward pass to get its gradients.
 */
import * as tf from '@tensorflow/tfjs';

/** A block over its input and the constants it reads (masks, rotary tables). */
type Block = (h: tf.Tensor, constants: readonly tf.Tensor[]) => tf.Tensor;

/**
 * Runs `block(h, constants)` so that backprop through it recomputes it. `variables` must be every
 * variable the block reads (its ParamFactory's): their gradients are what the recomputation returns.
 * `constants` get no gradient; they are kept for the recomputation because the forward pass frees
 * everything it made once it ends. The block must be deterministic (dropout seeded per block) so the
 * recomputation equals the forward pass.
 */
export function checkpointed(block: Block, h: tf.Tensor, constants: readonly tf.Tensor[], variables: readonly tf.Variable[]): tf.Tensor {
  const trainable = variables.filter((v) => v.trainable);
  const run = tf.customGrad((...args: unknown[]) => {
    const input = args[0] as tf.Tensor;
    const save = args[args.length - 1] as tf.GradSaveFunc;
    save([input, ...constants]);
    return {
      value: block(input, constants),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => recompute(block, saved, dy as tf.Tensor, trainable),
    };
  });
  return run(h, ...trainable) as tf.Tensor;
}

interface EngineState {
  activeTape: unknown;
}

/** d(block)/d(input, variables) at `input` for upstream gradient `dy`. */
function recompute(block: Block, saved: tf.Tensor[], dy: tf.Tensor, variables: readonly tf.Variable[]): tf.Tensor[] {
  const [input, ...constants] = saved;
  const engine = tf.engine() as unknown as { state: EngineState; gradients: (f: () => tf.Tensor, xs: tf.Tensor[], dy?: tf.Tensor, allowNoGradients?: boolean) => { value: tf.Tensor; grads: Array<tf.Tensor | undefined> } };
  if (!('activeTape' in engine.state)) throw new Error('gradient_checkpointing: this tfjs version has no engine tape to nest into; turn gradient_checkpointing off');
  // tfjs frees and clears "the" tape when a top-level gradients() call ends; this one runs inside the
  // outer backward pass, whose tape must survive it.
  const outerTape = engine.state.activeTape;
  const x = tf.clone(input); // a fresh tensor: the recomputed graph starts at it
  try {
    const { value, grads } = engine.gradients(() => block(x, constants), [x, ...variables], dy, true);
    value.dispose();
    return grads.map((grad, i) => grad ?? tf.zerosLike(i === 0 ? x : variables[i - 1]));
  } finally {
    engine.state.activeTape = outerTape;
    x.dispose();
  }
}
