// Syntax errors as data. Chevrotain's own messages list every token path and run long, so the
// parser's message provider records what was expected (short human labels) and the rule, and
// `readSyntaxError` turns a recognition exception back into that record.

import { EOF, type IParserErrorMessageProvider, type IRecognitionException, type IToken, type TokenType } from 'chevrotain';

export interface SyntaxError {
  /** The token the parser could not use (EOF at the end). */
  readonly token: IToken;
  /** What would have been accepted, for people: "a name or '{'". */
  readonly expected: string;
  /** Token type names that were expected, for code that classifies the error. */
  readonly expectedTokens: readonly string[];
  readonly rule: string;
  /** Tokens skipped while resynchronising after the error. */
  readonly skipped: readonly IToken[];
}

interface Encoded {
  readonly expected: string;
  readonly tokens: string[];
  readonly rule: string;
}

const BLOCK_RULES = new Set(['streamDecl', 'reservoirDecl']);
const MAX_LISTED = 6;

function label(t: TokenType): string {
  if (t === EOF) return 'end of file';
  return t.LABEL ?? t.name;
}

/** "a", "a or b", "a, b or c". */
export function humanList(items: readonly string[]): string {
  const unique = [...new Set(items)];
  const shown = unique.length > MAX_LISTED ? [...unique.slice(0, MAX_LISTED), '…'] : unique;
  if (shown.length <= 1) return shown[0] ?? 'something else';
  return `${shown.slice(0, -1).join(', ')} or ${shown[shown.length - 1]}`;
}

function encode(types: readonly TokenType[], rule: string, description?: string): string {
  const tokens = [...new Set(types.map((t) => t.name))];
  let expected = description ?? humanList(types.map(label));
  // Reworded where the bare token list would mislead: the parser only names the closing token.
  if (rule === 'pipeline' && tokens.length === 1 && types[0] === EOF) {
    expected = 'a statement (stream, reservoir, query or replay)';
  } else if (BLOCK_RULES.has(rule) && tokens.length === 1 && tokens[0] === 'RCurly') {
    expected = "a property or '}'";
  }
  const encoded: Encoded = { expected, tokens, rule };
  return JSON.stringify(encoded);
}

const firstTokens = (paths: readonly (readonly TokenType[])[]): TokenType[] =>
  paths.flatMap((p) => (p.length > 0 ? [p[0]] : []));

export const errorMessageProvider: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: ({ expected, ruleName }) => encode([expected], ruleName),
  buildNotAllInputParsedMessage: ({ ruleName }) => encode([EOF], ruleName),
  buildNoViableAltMessage: ({ expectedPathsPerAlt, customUserDescription, ruleName }) =>
    encode(firstTokens(expectedPathsPerAlt.flat()), ruleName, customUserDescription),
  buildEarlyExitMessage: ({ expectedIterationPaths, customUserDescription, ruleName }) =>
    encode(firstTokens(expectedIterationPaths), ruleName, customUserDescription),
};

export function readSyntaxError(e: IRecognitionException): SyntaxError {
  let decoded: Encoded;
  try {
    decoded = JSON.parse(e.message) as Encoded;
  } catch {
    // Only our provider builds messages; a plain one means a chevrotain path we did not foresee.
    decoded = { expected: 'something else', tokens: [], rule: e.context?.ruleStack?.at(-1) ?? '' };
  }
  return { token: e.token, expected: decoded.expected, expectedTokens: decoded.tokens, rule: decoded.rule, skipped: e.resyncedTokens ?? [] };
}
