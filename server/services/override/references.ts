/** What the configs that name a trainer module tell the override checks. */
export interface TrainerReference {
  /** Absolute path of the config whose `trainer` is this file. */
  configPath: string;
  /** Its `training_args.gradient_accumulation_steps` (1 when unset). */
  gradientAccumulationSteps: number;
  /** Input tensors its model is fed besides `labels` (e.g. input_ids, attention_mask). */
  inputNames: readonly string[];
  /** Columns of its training data file, when they could be read. */
  columns: readonly string[];
}

/** Cheap pre-check, without loading TypeScript, so the server does not parse every TS file of the workspace. */
export function mayContainOverride(text: string): boolean {
  return text.includes('computeLoss');
}

/** Model inputs by architecture, as the data pipeline builds them. */
export function modelInputNames(architecture: string | undefined): string[] {
  if (architecture === 'mlp') return ['features'];
  if (architecture === 'text-classifier' || architecture === 'transformer-encoder' || architecture === undefined) {
    return ['input_ids', 'attention_mask'];
  }
  return ['input_ids', 'attention_mask', 'features'];
}
