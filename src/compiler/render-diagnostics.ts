// Renders diagnostics for people: `path:line:col: error[CODE]: message`, the source line with
// carets under the span, then hints. Line and column are computed here and only here.

import type { Diagnostic } from './diagnostics.ts';
import { lineAt, lineColumn, type SourceFile } from './source.ts';

export function renderDiagnostic(source: SourceFile, d: Diagnostic): string {
  const { line, column } = lineColumn(source.text, d.span.start);
  const head = `${source.path}:${line}:${column}: ${d.severity}[${d.code}]: ${d.message}`;
  if (source.text.length === 0) return [head, ...d.hints.map((h) => `  = hint: ${h}`)].join('\n');
  const line0 = lineAt(source.text, d.span.start);
  // Control characters of the file are shown, not sent to the terminal (one code unit each, so carets stay aligned).
  const current = { ...line0, text: line0.text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '\ufffd') };
  const gutter = String(line).length;
  const pad = ' '.repeat(gutter);
  const startCol = d.span.start - current.start;
  // A span running past its line is underlined to the line's end.
  const endCol = Math.min(Math.max(d.span.end - current.start, startCol + 1), Math.max(current.text.length, startCol + 1));
  const caretPrefix = current.text.slice(0, startCol).replace(/[^\t]/g, ' ');
  const out = [
    head,
    `${pad} |`,
    `${line} | ${current.text}`,
    `${pad} | ${caretPrefix}${'^'.repeat(endCol - startCol)}`,
    ...d.hints.map((h) => `${pad} = hint: ${h}`),
  ];
  return out.join('\n');
}

export function renderDiagnostics(source: SourceFile, diagnostics: readonly Diagnostic[]): string {
  return diagnostics.map((d) => renderDiagnostic(source, d)).join('\n\n');
}

/** `2 errors, 1 warning` style tally. */
export function tally(diagnostics: readonly Diagnostic[]): string {
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  return warnings ? `${plural(errors, 'error')}, ${plural(warnings, 'warning')}` : plural(errors, 'error');
}
