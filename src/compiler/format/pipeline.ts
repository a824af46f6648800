// `wshed fmt`: prints a parsed pipeline in canonical form, keeping every comment. Statements are
// separated by one blank line, properties and clauses go one per line, and blank lines the
// author left inside a block are kept (at most one). Formatting never changes meaning.

import type { Comment, Pipeline, ReplayClause, ReplayDecl, ReservoirProperty, Statement, StreamProperty } from '../ast.ts';
import type { Span } from '../source.ts';
import { formatExpr, formatKey, formatLiteral, formatString, formatTime } from './expr.ts';

const INDENT = '  ';

export function formatPipeline(pipeline: Pipeline, text: string): string {
  const w = new Writer(text, pipeline.comments);
  pipeline.statements.forEach((statement, i) => {
    if (i > 0) w.blank();
    formatStatement(w, statement);
  });
  w.flushComments(Infinity, '');
  return w.finish();
}

function formatStatement(w: Writer, s: Statement): void {
  switch (s.kind) {
    case 'stream':
      return block(w, s.span, `stream ${s.name.text}`, s.properties.map((p) => [p.span, streamProperty(p)] as const), s.name.span);
    case 'reservoir':
      return block(w, s.span, `reservoir ${s.name.text}`, s.properties.map((p) => [p.span, reservoirProperty(p)] as const), s.name.span);
    case 'query':
      w.element({ start: s.span.start, end: s.span.end }, `query ${s.name.text} ${formatString(s.sql)}`, '');
      return;
    case 'replay':
      return replay(w, s);
  }
}

function block(w: Writer, span: Span, header: string, items: readonly (readonly [Span, string])[], headerEnd: Span): void {
  const inner = { start: headerEnd.end, end: span.end };
  if (items.length === 1 && !w.hasCommentsWithin(inner)) {
    w.element(span, `${header} { ${items[0][1]} }`, '');
    return;
  }
  w.element({ start: span.start, end: headerEnd.end }, `${header} {`, '');
  for (const [itemSpan, itemText] of items) w.element(itemSpan, itemText, INDENT, true);
  // Comments before the closing brace stay inside the block.
  w.flushComments(span.end - 1, INDENT);
  w.element({ start: span.end - 1, end: span.end }, '}', '');
}

function streamProperty(p: StreamProperty): string {
  switch (p.kind) {
    case 'shards':
      return `shards ${p.count.text}`;
    case 'retention':
      return `retention ${p.duration.text}`;
    case 'key':
      return `key ${formatKey(p.key)}`;
    case 'unknown':
      return p.word.text;
  }
}

function reservoirProperty(p: ReservoirProperty): string {
  switch (p.kind) {
    case 'from':
      return `from stream ${p.stream.text}`;
    case 'at':
      return `at ${formatString(p.location)}`;
    case 'format':
      return `format ${p.format.text}`;
    case 'partition':
      return `partition ${p.partition.text}`;
    case 'archive': {
      let out = `archive via ${p.via.text}`;
      if (p.every) out += ` every ${p.every.text}`;
      if (p.buffer) out += ` buffer ${p.buffer.size.text} ${p.buffer.interval.text}`;
      return out;
    }
    case 'unknown':
      return p.word.text;
  }
}

function replay(w: Writer, r: ReplayDecl): void {
  const parts = ['replay'];
  if (r.name) parts.push(r.name.text);
  parts.push('from', r.source.kind);
  if (r.reservoir) parts.push(r.reservoir.text);
  const headerEnd = (r.reservoir ?? r.source).span.end;
  w.element({ start: r.span.start, end: headerEnd }, parts.join(' '), '');
  for (const clause of r.clauses) w.element(clause.span, replayClause(clause), INDENT, true);
}

export function replayClause(c: ReplayClause): string {
  switch (c.kind) {
    case 'where':
      return `where ${formatExpr(c.expr)}`;
    case 'since':
      return `since ${formatTime(c.time)}`;
    case 'until':
      return `until ${formatTime(c.time)}`;
    case 'compact':
      return c.key ? `compact by key ${formatKey(c.key)}` : 'compact by key';
    case 'annotate':
      return `annotate <${c.entries.map((e) => `${e.key.text}: ${formatLiteral(e.value)}`).join(', ')}>`;
    case 'into':
      return `into stream ${c.stream.text}`;
    case 'rate':
      return `rate ${c.rate.text}`;
    case 'limit':
      return `limit ${c.count.text}`;
    case 'aggregate':
      return `aggregate ${c.enabled ? 'on' : 'off'}`;
    case 'partition-by':
      return `partition by ${formatKey(c.key)}`;
  }
}

/** Collects output lines and places comments relative to the elements around them. */
class Writer {
  private readonly lines: string[] = [];
  /** Trailing comments by line index; aligned in `finish`. */
  private readonly trailing = new Map<number, string>();
  private next = 0;
  /** Source offset of the end of what was written last. */
  private lastEnd = 0;

  constructor(private readonly text: string, private readonly comments: readonly Comment[]) {}

  hasCommentsWithin(span: Span): boolean {
    return this.comments.some((c) => c.span.start >= span.start && c.span.start < span.end);
  }

  blank(): void {
    const last = this.lines[this.lines.length - 1];
    // Never a blank line at the top, twice in a row, or right after a block opens.
    if (last !== undefined && last !== '' && !last.endsWith('{')) this.lines.push('');
  }

  /** Writes comments that start before `offset`, each on its own line. */
  flushComments(offset: number, indent: string): void {
    while (this.next < this.comments.length && this.comments[this.next].span.start < offset) {
      const c = this.comments[this.next++];
      this.keepBlankLine(c.span.start);
      this.lines.push(`${indent}#${c.text}`.trimEnd());
      this.lastEnd = c.span.end;
    }
  }

  /** Writes one element (a line of text for `span`), with leading and trailing comments. */
  element(span: Span, text: string, indent: string, keepBlank = false): void {
    this.flushComments(span.start, indent);
    if (keepBlank || indent === '') this.keepBlankLine(span.start);
    const lines = text.split('\n');
    lines.forEach((line, i) => this.lines.push(i === 0 ? indent + line : line));
    this.lastEnd = span.end;
    // A comment on the same source line as the element's end trails it.
    const c = this.comments[this.next];
    if (c && c.span.start >= span.end && !this.text.slice(span.end, c.span.start).includes('\n')) {
      this.trailing.set(this.lines.length - 1, `#${c.text}`.trimEnd());
      this.lastEnd = c.span.end;
      this.next++;
    }
  }

  /** Keeps one blank line where the author had at least one since the last thing written. */
  private keepBlankLine(start: number): void {
    if (this.lines.length === 0 || this.lastEnd === 0) return;
    const between = this.text.slice(this.lastEnd, start);
    if ((between.match(/\n/g) ?? []).length >= 2) this.blank();
  }

  /** Aligns trailing comments of neighbouring lines in one column, as `terraform fmt` does. */
  finish(): string {
    while (this.lines.length && this.lines[this.lines.length - 1] === '') this.lines.pop();
    const out = [...this.lines];
    for (let i = 0; i < out.length; ) {
      if (!this.trailing.has(i)) {
        i++;
        continue;
      }
      let end = i;
      while (this.trailing.has(end + 1)) end++;
      const column = Math.max(...out.slice(i, end + 1).map((l) => l.length)) + 1;
      for (let j = i; j <= end; j++) out[j] = out[j].padEnd(column) + this.trailing.get(j);
      i = end + 1;
    }
    return out.join('\n') + '\n';
  }
}
