/**
 * Positions and ranges in config text: 0-based line and UTF-16 character, as in LSP,
 * so the language server can pass them through unchanged.
 */
export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

/** Converts between offsets and positions in one text. */
export interface LineIndex {
  positionAt(offset: number): Position;
  offsetAt(position: Position): number;
  /** Offset of the first character of `line` (clamped to the text). */
  lineStart(line: number): number;
  /** Offset just past the line's content, before its line break. */
  lineEnd(line: number): number;
  readonly lineCount: number;
}

export function createLineIndex(text: string): LineIndex {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 13 /* \r */) {
      if (text.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    } else if (ch === 10 /* \n */) {
      starts.push(i + 1);
    }
  }
  const clampOffset = (offset: number) => Math.max(0, Math.min(Number.isFinite(offset) ? Math.floor(offset) : 0, text.length));
  const lineStart = (line: number) => starts[Math.max(0, Math.min(line, starts.length - 1))];
  const lineEnd = (line: number) => {
    const clamped = Math.max(0, Math.min(line, starts.length - 1));
    let end = clamped + 1 < starts.length ? starts[clamped + 1] : text.length;
    while (end > starts[clamped] && (text.charCodeAt(end - 1) === 10 || text.charCodeAt(end - 1) === 13)) end--;
    return end;
  };
  return {
    lineCount: starts.length,
    lineStart,
    lineEnd,
    positionAt(offset) {
      const target = clampOffset(offset);
      let low = 0;
      let high = starts.length - 1;
      while (low < high) {
        const mid = (low + high + 1) >> 1;
        if (starts[mid] <= target) low = mid;
        else high = mid - 1;
      }
      return { line: low, character: target - starts[low] };
    },
    offsetAt(position) {
      if (position.line < 0) return 0;
      if (position.line >= starts.length) return text.length;
      return Math.min(starts[position.line] + Math.max(0, position.character), lineEnd(position.line));
    },
  };
}

export function rangeOf(index: LineIndex, offset: number, length: number): Range {
  return { start: index.positionAt(offset), end: index.positionAt(offset + Math.max(0, length)) };
}

/** Whether `offset` lies within [start, end] of a node (end inclusive, so a cursor just after a word counts). */
export function offsetWithin(offset: number, start: number, length: number): boolean {
  return offset >= start && offset <= start + length;
}
