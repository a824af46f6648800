// Shared state of one checker run: the diagnostics sink and small helpers that turn value
// parse failures into positioned diagnostics.

import type { KeyRef, QuantityLit } from '../ast.ts';
import { diagnostic, type Diagnostic, type DiagnosticCode } from '../diagnostics.ts';
import type { Key } from '../model.ts';
import { isMetadataField, METADATA_FIELDS } from '../record-layout.ts';
import type { Span } from '../source.ts';
import { didYouMean } from '../suggest.ts';
import type { Parsed } from './values.ts';

export class CheckContext {
  readonly diagnostics: Diagnostic[] = [];

  constructor(readonly now: Date) {}

  report(code: DiagnosticCode, span: Span, args: Record<string, string | number> = {}, hints: readonly string[] = []): void {
    this.diagnostics.push(diagnostic(code, span, args, hints));
  }

  /** The parsed value of a quantity, or undefined after reporting `code`. */
  quantity<T>(code: 'WS302' | 'WS303' | 'WS304', lit: QuantityLit, parse: (text: string) => Parsed<T>): T | undefined {
    const parsed = parse(lit.text);
    if (parsed.ok) return parsed.value;
    this.report(code, lit.span, { text: lit.text, why: parsed.why });
    return undefined;
  }

  /** A key reference as model data; reports unknown metadata names. */
  key(ref: KeyRef): Key | undefined {
    if (ref.kind === 'field') return { kind: 'field', path: ref.segments.map((s) => s.name) };
    if (isMetadataField(ref.name)) return { kind: 'meta', name: ref.name };
    this.report('WS207', ref.span, { name: ref.name }, [
      ...didYouMean(ref.name, METADATA_FIELDS).map((h) => h.replace("'", "'@")),
      `record metadata is one of ${METADATA_FIELDS.map((f) => '@' + f).join(', ')}`,
    ]);
    return undefined;
  }
}

/** Reports every repeat of a clause or property kind after its first occurrence (WS107). */
export function reportRepeats<T extends { kind: string; span: Span }>(
  ctx: CheckContext,
  items: readonly T[],
  where: string,
  label: (item: T) => string = (item) => item.kind,
): Map<string, T> {
  const first = new Map<string, T>();
  for (const item of items) {
    if (item.kind === 'unknown') continue;
    if (first.has(item.kind)) ctx.report('WS107', item.span, { clause: label(item), where });
    else first.set(item.kind, item);
  }
  return first;
}
