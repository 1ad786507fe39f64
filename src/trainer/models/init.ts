/**
 * Deterministic weight initialisation. Each weight draws from its own stream, seeded by the model
 * seed and the weight's name, so adding or re-initialising one layer leaves the others unchanged.
 */

export type Initializer = (shape: readonly number[], random: () => number) => Float32Array;

/** Weight streams use the project's one seeded generator (mulberry32). */
export { mulberry32 as seededStream, mixSeed } from '../random';

/** FNV-1a of a string mixed with a seed: one stream seed per (model seed, weight name). */
export function weightSeed(seed: number, name: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

export const zeros: Initializer = (shape) => new Float32Array(size(shape));
export const ones: Initializer = (shape) => new Float32Array(size(shape)).fill(1);

/** Glorot (Xavier) uniform over a [fanIn, fanOut] kernel, as Keras' default Dense initialiser. */
export const glorotUniform: Initializer = (shape, random) => {
  const [fanIn, fanOut] = [shape[0], shape[shape.length - 1]];
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const values = new Float32Array(size(shape));
  for (let i = 0; i < values.length; i++) values[i] = (random() * 2 - 1) * limit;
  return values;
};

/** Normal(0, std) by Box-Muller, for embeddings. */
export function normal(std: number): Initializer {
  return (shape, random) => {
    const values = new Float32Array(size(shape));
    for (let i = 0; i < values.length; i += 2) {
      const radius = Math.sqrt(-2 * Math.log(1 - random()));
      const angle = 2 * Math.PI * random();
      values[i] = radius * Math.cos(angle) * std;
      if (i + 1 < values.length) values[i + 1] = radius * Math.sin(angle) * std;
    }
    return values;
  };
}
