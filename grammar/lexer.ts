// Turns .wshed text into tokens, comments and lexical problems (plain data; the compiler turns
// the problems into coded diagnostics). The lexer never throws on bad input.

import { Lexer, type IToken } from 'chevrotain';
import { allTokens, UNTERMINATED } from './tokens.ts';

// Built once: building a lexer validates and analyses every pattern.
const lexer = new Lexer(allTokens, { positionTracking: 'full', ensureOptimizations: true });

export type LexProblem =
  /** Characters no token starts with; chevrotain reports a run of them as one error. */
  | { readonly kind: 'unknown-character'; readonly offset: number; readonly length: number }
  /** A string or quoted name whose closing quote never comes; the token is still passed on. */
  | { readonly kind: 'unterminated'; readonly what: string; readonly token: IToken };

export interface LexResult {
  readonly tokens: IToken[];
  readonly comments: IToken[];
  readonly problems: LexProblem[];
}

export function lex(text: string): LexResult {
  const result = lexer.tokenize(text);
  const problems: LexProblem[] = result.errors.map((e) => ({ kind: 'unknown-character', offset: e.offset, length: e.length }));
  for (const t of result.tokens) {
    const what = UNTERMINATED.get(t.tokenType);
    if (what !== undefined) problems.push({ kind: 'unterminated', what, token: t });
  }
  return { tokens: result.tokens, comments: result.groups.comments ?? [], problems };
}
