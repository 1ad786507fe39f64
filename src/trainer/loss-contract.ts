/**
 * Who scales the loss under gradient accumulation: THE decision, used by the Trainer at run time
 * and by the language server's computeLoss checks, so the two cannot disagree.
 *
 * As HF's `Trainer.model_accepts_loss_kwargs`: when true (HF's default for its models, and
 * always for `compute_loss_func`), computeLoss receives `numItemsInBatch` and is trusted to
 * divide a summed loss by it; the Trainer does not rescale. When false, the Trainer divides each
 * micro-batch loss by the number of micro-batches (HF's fallback for a per-micro-batch mean).
 * A Trainer subclass declares it as `static acceptsLossKwargs = false`; nothing is inferred
 * from how the override's parameters are written. Pure: no tfjs, so the server can import it.
 */

/** The static a Trainer subclass declares (HF's `model_accepts_loss_kwargs`). */
export const ACCEPTS_LOSS_KWARGS = 'acceptsLossKwargs';

export interface LossContractInput {
  /**
   * Where the loss comes from: the built-in computeLoss, a subclass override, or a compute_loss_func
   * (a module's exported computeLoss function), which wins as in HF.
   */
  source: 'builtin' | 'override' | 'function';
  /** The subclass's `static acceptsLossKwargs`, when it declares one. */
  declared: boolean | undefined;
}

export interface LossContract {
  /** computeLoss divides by numItemsInBatch itself; false: the Trainer divides by the micro-batch count. */
  normalisesByItems: boolean;
  /** Whether that was declared or is the HF default (for messages). */
  declared: boolean;
}

export function resolveLossContract(input: LossContractInput): LossContract {
  // HF never rescales a compute_loss_func's loss, whatever model_accepts_loss_kwargs says.
  if (input.source === 'function') return { normalisesByItems: true, declared: false };
  if (input.declared !== undefined) return { normalisesByItems: input.declared, declared: true };
  // HF: model_accepts_loss_kwargs is true for models whose forward takes loss kwargs (all of ours:
  // the built-in loss takes numItemsInBatch), and a compute_loss_func is never rescaled.
  return { normalisesByItems: true, declared: false };
}

/** Text for messages: what a computeLoss that ignores numItemsInBatch should do about it. */
export const UNDECLARED_ADVICE =
  'divide a summed per-item loss by numItemsInBatch, or declare `static acceptsLossKwargs = false` on the Trainer subclass so the Trainer divides each micro-batch loss by gradient_accumulation_steps (HF\'s model_accepts_loss_kwargs = False)';
