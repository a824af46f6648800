// Source text and spans. Spans are UTF-16 offsets (end exclusive); line and column are
// computed only when a diagnostic is rendered.

export interface Span {
  readonly start: number;
  readonly end: number;
}

export interface SourceFile {
  readonly path: string;
  readonly text: string;
  /**
   * The absolute folder holding the file: relative `at` paths resolve against it, as a reader of
   * the file takes them. Absent (text not from a file): they stay relative to the working folder.
   */
  readonly folder?: string;
}

export interface LineColumn {
  /** 1-based line. */
  readonly line: number;
  /** 1-based column, counted in UTF-16 code units. */
  readonly column: number;
}

export function span(start: number, end: number): Span {
  return { start, end };
}

/** The smallest span covering both. */
export function cover(a: Span, b: Span): Span {
  return { start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) };
}

export function lineColumn(text: string, offset: number): LineColumn {
  let line = 1;
  let lineStart = 0;
  const limit = Math.min(offset, text.length);
  for (let i = 0; i < limit; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: limit - lineStart + 1 };
}

/** The text of the line holding `offset`, without its newline. */
export function lineAt(text: string, offset: number): { text: string; start: number } {
  const start = text.lastIndexOf('\n', Math.max(0, offset - 1)) + 1;
  let end = text.indexOf('\n', start);
  if (end < 0) end = text.length;
  const line = text.slice(start, end).replace(/\r$/, '');
  return { text: line, start };
}
