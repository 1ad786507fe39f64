import * as tf from '@tensorflow/tfjs';
import type { NamedWeight } from '../types';
import { isFrozen } from './freeze';
import { seededStream, weightSeed, type Initializer } from './init';

export { isFrozen };

/**
 * The named variables of one model. Variables get tfjs' automatic unique names (two models may
 * coexist in a process); our state_dict-style name lives in NamedWeight.
 */
export class WeightStore {
  private readonly entries: NamedWeight[] = [];
  private readonly byName = new Map<string, tf.Variable>();

  constructor(
    private readonly seed: number,
    private readonly freeze: readonly string[],
  ) {}

  add(name: string, shape: number[], init: Initializer): tf.Variable {
    if (this.byName.has(name)) throw new Error(`duplicate weight name "${name}"`);
    const values = init(shape, seededStream(weightSeed(this.seed, name)));
    const initial = tf.tensor(values, shape, 'float32');
    const variable = tf.variable(initial, !isFrozen(name, this.freeze));
    initial.dispose(); // the variable holds its own reference to the data
    this.entries.push({ name, variable });
    this.byName.set(name, variable);
    return variable;
  }

  get(name: string): tf.Variable {
    const variable = this.byName.get(name);
    if (!variable) throw new Error(`no weight named "${name}"`);
    return variable;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** Disposes and forgets the named weights (LoRA's merge_and_unload drops the adapters). */
  remove(names: Iterable<string>): void {
    const gone = new Set(names);
    for (const name of gone) this.byName.get(name)?.dispose();
    for (const name of gone) this.byName.delete(name);
    const kept = this.entries.filter((w) => !gone.has(w.name));
    this.entries.length = 0;
    this.entries.push(...kept);
  }

  all(): NamedWeight[] {
    return [...this.entries];
  }

  trainable(): NamedWeight[] {
    return this.entries.filter((w) => w.variable.trainable);
  }

  dispose(): void {
    for (const { variable } of this.entries) variable.dispose();
    this.entries.length = 0;
    this.byName.clear();
  }
}
