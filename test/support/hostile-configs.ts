/**
 * Hostile config texts shared by the config, CLI, language-server and fuzz tests, so each
 * layer is tested on the very same inputs.
 */

/**
 * The YAML alias bomb: `l0: &a0 [lol × width]`, then each level lists the previous one `width`
 * times. Ten levels of nine are 9^10 (3.5 billion) values in about 600 bytes.
 */
export function aliasLadder(levels = 10, width = 9): string {
  const lines = [`l0: &a0 [${Array(width).fill('"lol"').join(', ')}]`];
  for (let level = 1; level < levels; level++) lines.push(`l${level}: &a${level} [${Array(width).fill(`*a${level - 1}`).join(', ')}]`);
  return `${lines.join('\n')}\n`;
}

/** A JSON config whose `metrics` lists `count` unknown metric names (each one a problem). */
export function jsonLongList(count: number): string {
  const items = Array.from({ length: count }, (_, i) => `"m${i}"`).join(',');
  return `{"data": {"train_file": "data/train.jsonl"}, "metrics": [${items}]}\n`;
}

/** A JSON config with `count` unknown top-level keys (each one a problem). */
export function jsonManyKeys(count: number): string {
  const keys = Array.from({ length: count }, (_, i) => `"k${i}": 1`).join(',');
  return `{"data": {"train_file": "data/train.jsonl"}, ${keys}}\n`;
}
