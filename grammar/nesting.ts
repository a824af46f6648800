// Bounds how deeply `where` expressions nest before the parser sees them. The parser and every
// stage after it recurse once per level of parentheses or `not`, so a file nesting thousands
// deep would overflow the stack; past MAX_NESTING the nested text becomes one TooDeep token.

import { createTokenInstance, tokenMatcher, type IToken } from 'chevrotain';
import * as T from './tokens.ts';

/** Levels of `(` and `not` a `where` expression may nest; far beyond what anyone writes by hand. */
export const MAX_NESTING = 100;

/** The `(` or `not` that went past the limit; the text from it to the end of its level was elided. */
export interface NestingProblem {
  readonly token: IToken;
}

interface Level {
  /** How many levels this `(` adds: itself and the `not`s just before it (0 for an `in (...)` list). */
  readonly weight: number;
  /** `not`s read in this level since the last operand. */
  nots: number;
}

/** Words that end an expression at its own level: the next clause or statement. */
const ENDS_EXPRESSION = [...T.CLAUSE_KEYWORDS, ...T.STATEMENT_KEYWORDS];

/**
 * Replaces each stretch of tokens nested past MAX_NESTING by one TooDeep token: from the token
 * that crossed the limit to the `)` that closes its level, or the next clause, statement or end.
 * Linear in the tokens; returns the input array itself when nothing is too deep.
 */
export function limitNesting(tokens: IToken[], text: string): { tokens: IToken[]; problems: NestingProblem[] } {
  const problems: NestingProblem[] = [];
  let out: IToken[] | undefined;
  const levels: Level[] = [{ weight: 0, nots: 0 }];
  let depth = 0; // the sum of the open levels' weights
  let i = 0;
  while (i < tokens.length) {
    const t = tokens[i];
    const current = levels[levels.length - 1];
    let tooDeep = false;
    if (tokenMatcher(t, T.LParen)) {
      const list = i > 0 && tokenMatcher(tokens[i - 1], T.In);
      const weight = list ? 0 : 1 + current.nots;
      current.nots = 0;
      levels.push({ weight, nots: 0 });
      depth += weight;
      tooDeep = depth > MAX_NESTING;
    } else if (tokenMatcher(t, T.Not)) {
      current.nots++;
      tooDeep = depth + current.nots > MAX_NESTING;
    } else {
      if (tokenMatcher(t, T.RParen) && levels.length > 1) depth -= levels.pop()!.weight;
      current.nots = 0;
      levels[levels.length - 1].nots = 0;
    }
    if (!tooDeep) {
      out?.push(t);
      i++;
      continue;
    }
    out ??= tokens.slice(0, i);
    problems.push({ token: t });
    // Undo what this token opened, then skip to the end of the level it sits in.
    if (tokenMatcher(t, T.LParen)) depth -= levels.pop()!.weight;
    levels[levels.length - 1].nots = 0;
    const end = endOfLevel(tokens, i);
    const last = tokens[end - 1];
    const image = text.slice(t.startOffset, last.startOffset + last.image.length);
    out.push(createTokenInstance(T.TooDeep, image, t.startOffset, last.startOffset + last.image.length - 1, t.startLine ?? NaN, last.endLine ?? NaN, t.startColumn ?? NaN, last.endColumn ?? NaN));
    i = end;
  }
  return { tokens: out ?? tokens, problems };
}

/** The index just past the tokens from `start` that belong to its level (at least one token). */
function endOfLevel(tokens: readonly IToken[], start: number): number {
  let balance = 0;
  let j = start;
  for (; j < tokens.length; j++) {
    const t = tokens[j];
    if (tokenMatcher(t, T.LParen)) balance++;
    else if (tokenMatcher(t, T.RParen)) {
      if (balance === 0) break; // closes the enclosing level: the parser still needs it
      balance--;
    } else if (balance === 0 && j > start && ENDS_EXPRESSION.some((k) => tokenMatcher(t, k))) break;
  }
  return Math.max(j, start + 1);
}
