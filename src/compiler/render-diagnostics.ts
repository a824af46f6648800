// Renders diagnostics for people: `path:line:col: error[CODE]: message`, the source line with
// carets under the span, then hints. Line and column are computed here and only here.

import type { Diagnostic } from './diagnostics.ts';
import { lineAt, lineColumn, type SourceFile } from './source.ts';

/** Longest stretch of a source line shown; a longer line is cut around the span. */
const MAX_SHOWN = 120;
/** Characters shown before the span when a long line is cut. */
const CONTEXT_BEFORE = 40;
/** Diagnostics rendered in full; the rest are counted (a file of garbage has tens of thousands). */
export const MAX_RENDERED = 50;

export function renderDiagnostic(source: SourceFile, d: Diagnostic): string {
  const { line, column } = lineColumn(source.text, d.span.start);
  const head = `${source.path}:${line}:${column}: ${d.severity}[${d.code}]: ${d.message}`;
  if (source.text.length === 0) return [head, ...d.hints.map((h) => `  = hint: ${h}`)].join('\n');
  const current = lineAt(source.text, d.span.start);
  const gutter = String(line).length;
  const pad = ' '.repeat(gutter);
  let startCol = d.span.start - current.start;
  // A span running past its line is underlined to the line's end.
  let endCol = Math.min(Math.max(d.span.end - current.start, startCol + 1), Math.max(current.text.length, startCol + 1));
  let shown = current.text;
  if (shown.length > MAX_SHOWN) {
    // A long line is cut to a window from a little before the span, marked with '…' on each cut side.
    const from = Math.max(0, Math.min(startCol - CONTEXT_BEFORE, shown.length - MAX_SHOWN));
    const to = Math.min(shown.length, from + MAX_SHOWN);
    const before = from > 0 ? '…' : '';
    shown = before + shown.slice(from, to) + (to < current.text.length ? '…' : '');
    startCol = startCol - from + before.length;
    endCol = Math.min(endCol - from, to - from + 1) + before.length;
  }
  // Control characters of the file are shown, not sent to the terminal (one code unit each, so carets stay aligned).
  shown = shown.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '\ufffd');
  const caretPrefix = shown.slice(0, startCol).replace(/[^\t]/g, ' ');
  const out = [
    head,
    `${pad} |`,
    `${line} | ${shown}`,
    `${pad} | ${caretPrefix}${'^'.repeat(Math.max(1, endCol - startCol))}`,
    ...d.hints.map((h) => `${pad} = hint: ${h}`),
  ];
  return out.join('\n');
}

/** The first `limit` diagnostics in full, then one line counting the rest. */
export function renderDiagnostics(source: SourceFile, diagnostics: readonly Diagnostic[], limit = MAX_RENDERED): string {
  const rendered = diagnostics.slice(0, limit).map((d) => renderDiagnostic(source, d));
  const rest = diagnostics.slice(limit);
  if (rest.length > 0) {
    rendered.push(`${source.path}: … and ${rest.length.toLocaleString('en-US')} more (${tally(rest)}); fix the first ones and run again`);
  }
  return rendered.join('\n\n');
}

/** `2 errors, 1 warning` style tally. */
export function tally(diagnostics: readonly Diagnostic[]): string {
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  const plural = (n: number, w: string) => `${n.toLocaleString('en-US')} ${w}${n === 1 ? '' : 's'}`;
  return warnings ? `${plural(errors, 'error')}, ${plural(warnings, 'warning')}` : plural(errors, 'error');
}
