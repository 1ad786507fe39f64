/** What a run fine-tunes, as the CLI header, the dashboard and the Output channel say it. */

/** The model a run trains: its checkpoint (or architecture), parameters, and a LoRA adapter's shape. */
export interface RunModelInfo {
  /** The checkpoint fine-tuned (a Hub id or a folder), or the built-in architecture. */
  name: string;
  /** As PEFT's get_nb_trainable_parameters counts them. */
  parameters: number;
  trainableParameters: number;
  adapter?: { peftType: 'LORA'; r: number; loraAlpha: number; targets: string[] };
}

/** PEFT's print_trainable_parameters line: `trainable params: 1,123 || all params: 26,790 || trainable%: 4.1919`. */
export function formatTrainableParameters(trainable: number, all: number): string {
  const grouped = (n: number) => n.toLocaleString('en-US');
  const percent = all > 0 ? ((100 * trainable) / all).toFixed(4) : 'nan';
  return `trainable params: ${grouped(trainable)} || all params: ${grouped(all)} || trainable%: ${percent}`;
}
