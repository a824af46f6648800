// Shared by the grammar tests: parse a snippet, look at what a span covers, drop spans from
// AST values so shapes can be compared whole.

import type { Pipeline, ReplayDecl, ReservoirDecl, Statement, StreamDecl } from '../../src/compiler/ast.ts';
import type { Diagnostic } from '../../src/compiler/diagnostics.ts';
import { parse } from '../../src/compiler/parse.ts';
import type { Span } from '../../src/compiler/source.ts';

export interface Parsed {
  readonly text: string;
  readonly pipeline: Pipeline;
  readonly diagnostics: Diagnostic[];
}

export function parseText(text: string): Parsed {
  return { text, ...parse({ path: 'test.wshed', text }) };
}

/** The source text a span covers. */
export function slice(text: string, s: Span): string {
  return text.slice(s.start, s.end);
}

/** A deep copy without `span` fields. */
export function noSpans<T>(value: T): unknown {
  return JSON.parse(JSON.stringify(value, (k, v) => (k === 'span' ? undefined : v)));
}

/** [code, covered text] for each diagnostic, in order. */
export function codes(p: Parsed): [string, string][] {
  return p.diagnostics.map((d) => [d.code, slice(p.text, d.span)]);
}

function only<K extends Statement['kind']>(p: Parsed, kind: K): Extract<Statement, { kind: K }> {
  if (p.diagnostics.length > 0) throw new Error(`unexpected diagnostics: ${p.diagnostics.map((d) => d.message).join('; ')}`);
  const s = p.pipeline.statements;
  if (s.length !== 1 || s[0].kind !== kind) throw new Error(`expected one ${kind}, got ${s.map((x) => x.kind).join(', ')}`);
  return s[0] as Extract<Statement, { kind: K }>;
}

/** Parses text that must be exactly one clean replay statement. */
export const replayOf = (text: string): ReplayDecl => only(parseText(text), 'replay');
export const streamOf = (text: string): StreamDecl => only(parseText(text), 'stream');
export const reservoirOf = (text: string): ReservoirDecl => only(parseText(text), 'reservoir');
