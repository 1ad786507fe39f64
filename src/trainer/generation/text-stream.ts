/**
 * Turns a growing list of token ids into text pieces for streaming. Byte-level BPE splits a
 * multi-byte character over tokens, so the text is decoded whole each time and only the part
 * that is final is released: never a trailing U+FFFD (an unfinished UTF-8 sequence), and never
 * text that a later token could still rewrite (the decoded text must extend what was released).
 */
export type DecodeIds = (ids: readonly number[]) => string;

export class TextStream {
  private readonly ids: number[] = [];
  private released = '';

  constructor(private readonly decodeIds: DecodeIds) {}

  /** Adds a token; returns the new final text (possibly empty). */
  push(id: number): string {
    this.ids.push(id);
    return this.take(false);
  }

  /** Everything not yet released, at the end of generation. */
  flush(): string {
    return this.take(true);
  }

  /** The whole text decoded so far. */
  get text(): string {
    return this.decodeIds(this.ids);
  }

  private take(final: boolean): string {
    const text = this.decodeIds(this.ids);
    if (!text.startsWith(this.released)) return '';
    if (!final && text.endsWith('\uFFFD')) return '';
    const piece = text.slice(this.released.length);
    this.released = text;
    return piece;
  }
}
