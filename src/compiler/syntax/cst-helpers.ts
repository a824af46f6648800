// Small helpers shared by the CST → AST visitors: token spans, "is this token real" (not
// inserted by error recovery), collecting nodes in source order, identifiers and strings.

import { tokenMatcher, type CstElement, type CstNode, type IToken } from 'chevrotain';
import * as T from '../../../grammar/tokens.ts';
import type { Ident, StringLit } from '../ast.ts';
import { diagnostic, type Diagnostic } from '../diagnostics.ts';
import type { Span } from '../source.ts';
import { decodeBacktickName, decodeDoubleQuoted, decodeSingleQuoted, decodeTripleQuoted } from './strings.ts';

export function tokenSpan(t: IToken): Span {
  return { start: t.startOffset, end: t.startOffset + t.image.length };
}

/** The token, unless recovery invented it (or it is absent). */
export function real(tokens: readonly IToken[] | undefined, index = 0): IToken | undefined {
  const t = tokens?.[index];
  return t !== undefined && isReal(t) ? t : undefined;
}

/** The first child node, unless error recovery left it partial. */
export function whole<N extends CstNode>(nodes: readonly N[] | undefined, index = 0): N | undefined {
  const n = nodes?.[index];
  return n === undefined || n.recoveredNode === true ? undefined : n;
}

export function ident(t: IToken | undefined): Ident | undefined {
  return t === undefined ? undefined : { text: t.image, span: tokenSpan(t) };
}

export const inSourceOrder = <T extends { span: Span }>(items: T[]): T[] => items.sort((a, b) => a.span.start - b.span.start);

/**
 * Builds every node of one kind. Partial ones (recovered) are skipped unless `partial` says
 * the builder copes: a statement keeps what parsed before its error.
 */
export function each<N extends CstNode, T>(
  nodes: readonly N[] | undefined,
  build: (children: N['children']) => T | undefined,
  partial: 'skip-partial' | 'keep-partial' = 'skip-partial',
): T[] {
  const out: T[] = [];
  for (const node of nodes ?? []) {
    const built = node.recoveredNode && partial === 'skip-partial' ? undefined : build(node.children);
    if (built !== undefined) out.push(built);
  }
  return out;
}

const isToken = (e: CstElement): e is IToken => (e as IToken).tokenType !== undefined;

type Children = Readonly<Record<string, readonly CstElement[] | undefined>>;

function forEachToken(children: Children, visit: (t: IToken) => void): void {
  for (const key in children) {
    const list = children[key];
    if (list === undefined) continue;
    for (const e of list) {
      if (isToken(e)) visit(e);
      else forEachToken(e.children, visit);
    }
  }
}

const isReal = (t: IToken): boolean => t.isInsertedInRecovery !== true && !Number.isNaN(t.startOffset);

/** Whether error recovery touched anything under these children: a partial node or an invented token. */
export function hasRecovery(children: Children): boolean {
  for (const key in children) {
    for (const e of children[key] ?? []) {
      if (isToken(e) ? !isReal(e) : e.recoveredNode === true || hasRecovery(e.children)) return true;
    }
  }
  return false;
}

/** From the first to the last real token under a node's children: spans of whole statements. */
export function childrenSpan(children: Children): Span | undefined {
  let start = Infinity;
  let end = -Infinity;
  forEachToken(children, (t) => {
    if (!isReal(t)) return;
    if (t.startOffset < start) start = t.startOffset;
    if (t.startOffset + t.image.length > end) end = t.startOffset + t.image.length;
  });
  return start === Infinity ? undefined : { start, end };
}

/** Every token in a CST. */
export function cstTokens(node: CstNode): Set<IToken> {
  const found = new Set<IToken>();
  forEachToken(node.children, (t) => found.add(t));
  return found;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * A character no value may hold (WS317): U+0000 ends SQL text in DuckDB (the rest of the
 * statement is silently cut), and a lone surrogate half is not encodable as UTF-8 at all. Every
 * string and quoted name can reach SQL (filters, locations, JSON paths, saved queries).
 */
function reportUnsafe(value: string, what: string, span: Span, diagnostics: Diagnostic[]): void {
  if (value.includes('\0')) {
    diagnostics.push(diagnostic('WS317', span, { what, char: 'U+0000 (NUL)' }, ['DuckDB ends SQL text at U+0000, so the rest would be cut off: remove it']));
    return;
  }
  const lone = LONE_SURROGATE.exec(value);
  if (lone) {
    const char = `a lone surrogate (U+${lone[0].charCodeAt(0).toString(16).toUpperCase()})`;
    diagnostics.push(diagnostic('WS317', span, { what, char }, ['a \\uD800-\\uDFFF escape is half of a pair: write both halves, or the character itself']));
  }
}

/** Decodes any string token; bad escapes in double-quoted strings become WS316, unsafe characters WS317. */
export function stringLit(t: IToken, diagnostics: Diagnostic[]): StringLit {
  const lit = decodeString(t, diagnostics);
  reportUnsafe(lit.value, 'the string', lit.span, diagnostics);
  return lit;
}

function decodeString(t: IToken, diagnostics: Diagnostic[]): StringLit {
  const lit = decodeTerminated(t, diagnostics);
  return T.UNTERMINATED.has(t.tokenType) ? { ...lit, unterminated: true } : lit;
}

function decodeTerminated(t: IToken, diagnostics: Diagnostic[]): StringLit {
  const span = tokenSpan(t);
  const type = t.tokenType;
  if (type === T.SingleString || type === T.UnterminatedSingleString) {
    return { kind: 'string', value: decodeSingleQuoted(t.image, type === T.SingleString), quote: 'single', span };
  }
  if (type === T.TripleString || type === T.UnterminatedTripleString) {
    return { kind: 'string', value: decodeTripleQuoted(t.image, type === T.TripleString), quote: 'triple', span };
  }
  const decoded = decodeDoubleQuoted(t.image, type === T.DoubleString);
  for (const bad of decoded.badEscapes) {
    const start = span.start + bad.offset;
    diagnostics.push(
      diagnostic('WS316', { start, end: start + bad.text.length }, {
        what: 'escape',
        text: `'${bad.text}'`,
        why: 'double-quoted strings take JSON escapes (\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX); single-quoted strings take none',
      }),
    );
  }
  return { kind: 'string', value: decoded.value, quote: 'double', span };
}

/** A backtick-quoted path segment; an empty one is reported (WS316). */
export function quotedName(t: IToken, diagnostics: Diagnostic[]): { name: string; quoted: true; span: Span } {
  const span = tokenSpan(t);
  const name = decodeBacktickName(t.image, tokenMatcher(t, T.BacktickName));
  if (name === '' && t.image.length >= 2) {
    diagnostics.push(diagnostic('WS316', span, { what: 'name', text: '``', why: 'a quoted name cannot be empty' }));
  }
  reportUnsafe(name, 'the quoted name', span, diagnostics);
  return { name, quoted: true, span };
}
