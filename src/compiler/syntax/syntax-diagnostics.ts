// Lexical problems and parser errors → coded diagnostics (WS101–WS104), and the offsets where the
// parser resumed after an error, so the AST builder can drop words that are only fallout.

import { EOF, tokenMatcher, type CstNode, type IToken } from 'chevrotain';
import type { LexProblem } from '../../../grammar/lexer.ts';
import type { SyntaxError } from '../../../grammar/syntax-errors.ts';
import * as T from '../../../grammar/tokens.ts';
import { diagnostic, type Diagnostic } from '../diagnostics.ts';
import type { Span } from '../source.ts';
import { cstTokens, tokenSpan } from './cst-helpers.ts';

const UNTERMINATED_HINTS: Readonly<Record<string, string>> = {
  string: 'a quoted string ends on the line it starts; use """…""" for text over several lines',
  'triple-quoted string': 'close it with """',
  'quoted name': 'close the name with a backtick (write `` for a backtick inside it)',
};

/** `'€'`, or U+0007 for characters that do not print. */
function showCharacter(text: string, offset: number): string {
  const c = String.fromCodePoint(text.codePointAt(offset) ?? 0xfffd);
  return /^[\p{L}\p{N}\p{P}\p{S}]$/u.test(c) ? `'${c}'` : `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

export function lexDiagnostics(problems: readonly LexProblem[], text: string): Diagnostic[] {
  return problems.map((p) => {
    if (p.kind === 'unknown-character') {
      // Chevrotain reports a run of unknown characters once; the span covers the run.
      return diagnostic('WS104', { start: p.offset, end: p.offset + p.length }, { char: showCharacter(text, p.offset) });
    }
    // From the opening quote to the end of its line: an unclosed """ would otherwise cover the file.
    const start = p.token.startOffset;
    const newline = p.token.image.search(/[\r\n]/);
    const end = newline < 0 ? start + p.token.image.length : start + newline;
    return diagnostic('WS102', { start, end }, { what: p.what }, [UNTERMINATED_HINTS[p.what]]);
  });
}

/**
 * Token → index in the token vector; EOF and invented tokens (not in the vector) are at the end.
 * A binary search by offset (tokens are in source order): no map of millions of tokens on garbage.
 */
export class TokenIndex {
  constructor(readonly tokens: readonly IToken[]) {}
  of(t: IToken): number {
    let low = 0;
    let high = this.tokens.length - 1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const at = this.tokens[mid].startOffset;
      if (at === t.startOffset) return this.tokens[mid] === t ? mid : this.tokens.length;
      if (at < t.startOffset) low = mid + 1;
      else high = mid - 1;
    }
    return this.tokens.length;
  }
}

function spanOf(t: IToken, text: string): Span {
  return tokenMatcher(t, EOF) || Number.isNaN(t.startOffset) ? { start: text.length, end: text.length } : tokenSpan(t);
}

function describe(t: IToken): string {
  if (tokenMatcher(t, EOF)) return 'end of file';
  const firstLine = t.image.split(/\r?\n/)[0];
  const shown = firstLine.length > 24 ? `${firstLine.slice(0, 24)}…` : firstLine;
  return tokenMatcher(t, T.StringLit) ? `string ${shown}` : `'${shown}'`;
}

/** "stream 'orders'" for the `{` at `open`: the keyword and name just before it. */
function blockOwner(tokens: readonly IToken[], open: number): string {
  const name = tokens[open - 1];
  const keyword = tokens[open - 2];
  if (name && keyword && tokenMatcher(name, T.Name) && T.STATEMENT_KEYWORDS.some((k) => tokenMatcher(keyword, k))) {
    return `${keyword.image} '${name.image}'`;
  }
  return name && T.STATEMENT_KEYWORDS.some((k) => tokenMatcher(name, k)) ? name.image : 'a block';
}

/** WS103 when a block's `}` is missing at a statement keyword or the end of the file, else WS101. */
export function syntaxDiagnostic(e: SyntaxError, index: TokenIndex, text: string): Diagnostic {
  const found = e.token;
  const atBoundary = tokenMatcher(found, EOF) || T.STATEMENT_KEYWORDS.some((k) => tokenMatcher(found, k));
  if (atBoundary && e.expectedTokens.length === 1 && e.expectedTokens[0] === 'RCurly') {
    const tokens = index.tokens;
    for (let i = index.of(found) - 1; i >= 0 && !tokenMatcher(tokens[i], T.RCurly); i--) {
      if (tokenMatcher(tokens[i], T.LCurly)) {
        return diagnostic('WS103', tokenSpan(tokens[i]), { what: blockOwner(tokens, i) }, ["add '}' after the block's last property"]);
      }
    }
  }
  return diagnostic('WS101', spanOf(found, text), { found: describe(found), expected: e.expected });
}

/**
 * Where the parser went on after each error: the first token at or after the error token that
 * made it into the CST (insertion recovery keeps the error token; resynchronisation skips it and
 * maybe more). A word found there is fallout of that error, not a mistake of its own.
 */
export function resumeOffsets(errors: readonly SyntaxError[], index: TokenIndex, cst: CstNode): Set<number> {
  const offsets = new Set<number>();
  if (errors.length === 0) return offsets;
  const used = cstTokens(cst);
  for (const e of errors) {
    for (let i = index.of(e.token); i < index.tokens.length; i++) {
      if (used.has(index.tokens[i])) {
        offsets.add(index.tokens[i].startOffset);
        break;
      }
    }
  }
  return offsets;
}
