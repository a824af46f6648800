// The token vocabulary of .wshed files: every token type, the categories the parser matches
// on, and the keyword sets its gates consult. Order in `allTokens` is the lexer's priority.

import { createToken, Lexer, type TokenType } from 'chevrotain';

// ---------- categories (never matched directly) ----------

/** Every real token, so skipping rules can consume "anything". */
export const AnyToken = createToken({ name: 'AnyToken', pattern: Lexer.NA });
/** A word usable as a name: plain identifiers and every soft keyword. */
export const Name = createToken({ name: 'Name', pattern: Lexer.NA, label: 'a name' });
/** What may follow an unknown property word and is swallowed with it. */
export const ValueAtom = createToken({ name: 'ValueAtom', pattern: Lexer.NA });
/** Every string form, including unterminated ones (the lexer stage reports those). */
export const StringLit = createToken({ name: 'StringLit', pattern: Lexer.NA, label: 'a string' });
/** A backtick-quoted path segment, terminated or not. */
export const QuotedName = createToken({ name: 'QuotedName', pattern: Lexer.NA, label: 'a `quoted` name' });
/** `= != <> < <= > >=`; `<` and `>` also bracket annotations. */
export const CompareOp = createToken({ name: 'CompareOp', pattern: Lexer.NA, label: 'a comparison operator' });

const token = (config: Parameters<typeof createToken>[0], categories: TokenType[] = []): TokenType =>
  createToken({ ...config, categories: [AnyToken, ...categories] });

// ---------- trivia ----------

export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\r\n\f\v\uFEFF]+/, group: Lexer.SKIPPED, line_breaks: true });
export const Comment = createToken({ name: 'Comment', pattern: /#[^\r\n]*/, group: 'comments' });

// ---------- words ----------

export const Identifier = token({ name: 'Identifier', pattern: /[A-Za-z_][A-Za-z0-9_]*/, label: 'a name' }, [Name, ValueAtom]);

const keyword = (word: string, categories: TokenType[]): TokenType =>
  token({ name: word[0].toUpperCase() + word.slice(1), pattern: word, longer_alt: Identifier, label: `'${word}'` }, categories);
const soft = (word: string): TokenType => keyword(word, [Name, ValueAtom]);
const reserved = (word: string): TokenType => keyword(word, []);
/** Reserved, but a value: it may follow an unknown property word (`enabled true`). */
const reservedValue = (word: string): TokenType => keyword(word, [ValueAtom]);

// Statements.
export const Stream = soft('stream');
export const Reservoir = soft('reservoir');
export const Query = soft('query');
export const Replay = soft('replay');
// Stream properties.
export const Shards = soft('shards');
export const Retention = soft('retention');
export const Key = soft('key');
// Reservoir properties.
export const From = soft('from');
export const At = soft('at');
export const Format = soft('format');
export const Partition = soft('partition');
export const Archive = soft('archive');
export const Via = soft('via');
export const Every = soft('every');
export const Buffer = soft('buffer');
// Replay sources and clauses.
export const Live = soft('live');
export const Where = soft('where');
export const Since = soft('since');
export const Until = soft('until');
export const Compact = soft('compact');
export const By = soft('by');
export const Annotate = soft('annotate');
export const Into = soft('into');
export const Rate = soft('rate');
export const Limit = soft('limit');
export const Aggregate = soft('aggregate');
export const On = soft('on');
export const Off = soft('off');
export const Now = soft('now');
export const Ago = soft('ago');
// Reserved: the expression language needs these to end a path or start an operator.
export const And = reserved('and');
export const Or = reserved('or');
export const Not = reserved('not');
export const In = reserved('in');
export const Between = reserved('between');
export const Like = reserved('like');
export const Is = reserved('is');
export const Null = reservedValue('null');
export const True = reservedValue('true');
export const False = reservedValue('false');

const keywords = [
  Stream, Reservoir, Query, Replay, Shards, Retention, Key, From, At, Format, Partition, Archive, Via,
  Every, Buffer, Live, Where, Since, Until, Compact, By, Annotate, Into, Rate, Limit, Aggregate, On, Off,
  Now, Ago, And, Or, Not, In, Between, Like, Is, Null, True, False,
];

// ---------- literals ----------

/** `2026-11-01`, `2026-11-01T10:00`, `2026-11-01T00:00:00.5Z`, `...+02:00`; calendar checked later. */
export const Instant = token(
  { name: 'Instant', pattern: /\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?/, label: 'a date' },
  [ValueAtom],
);
/** A number glued to a unit (`24h`, `64MB`, `500/s`, also `7x`): one token so the checker can name it. */
export const Quantity = token(
  { name: 'Quantity', pattern: /-?\d+(?:\.\d+)?(?:[A-Za-z_][A-Za-z0-9_]*|\/[A-Za-z_][A-Za-z0-9_]*)/, label: 'a quantity such as 24h' },
  [ValueAtom],
);
export const NumberLit = token(
  { name: 'NumberLit', pattern: /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/, longer_alt: Quantity, label: 'a number' },
  [ValueAtom],
);

export const TripleString = token({ name: 'TripleString', pattern: /"""[\s\S]*?"""/, line_breaks: true }, [StringLit, ValueAtom]);
export const UnterminatedTripleString = token({ name: 'UnterminatedTripleString', pattern: /"""[\s\S]*/, line_breaks: true }, [StringLit, ValueAtom]);
export const DoubleString = token({ name: 'DoubleString', pattern: /"(?:[^"\\\r\n]|\\[^\r\n])*"/ }, [StringLit, ValueAtom]);
export const UnterminatedDoubleString = token({ name: 'UnterminatedDoubleString', pattern: /"(?:[^"\\\r\n]|\\[^\r\n])*\\?/ }, [StringLit, ValueAtom]);
export const SingleString = token({ name: 'SingleString', pattern: /'(?:[^'\r\n]|'')*'/ }, [StringLit, ValueAtom]);
export const UnterminatedSingleString = token({ name: 'UnterminatedSingleString', pattern: /'(?:[^'\r\n]|'')*/ }, [StringLit, ValueAtom]);
/** `` `odd name` `` with `` `` `` for a backtick: a path segment that is not a plain word. */
export const BacktickName = token({ name: 'BacktickName', pattern: /`(?:[^`\r\n]|``)*`/ }, [QuotedName, ValueAtom]);
export const UnterminatedBacktickName = token({ name: 'UnterminatedBacktickName', pattern: /`(?:[^`\r\n]|``)*/ }, [QuotedName, ValueAtom]);
/** `@partition_key`: record metadata; any word parses, the checker knows the names. */
export const MetaName = token({ name: 'MetaName', pattern: /@[A-Za-z_][A-Za-z0-9_]*/, label: 'an @metadata name' }, [ValueAtom]);

/**
 * Never lexed: stands in for a `where` sub-expression nested past MAX_NESTING (grammar/nesting.ts),
 * so the recursive parser never sees the nesting; its span is the whole elided text.
 */
export const TooDeep = createToken({ name: 'TooDeep', pattern: Lexer.NA, label: 'an expression' });

// ---------- punctuation and operators (longest first) ----------

const punct = (name: string, text: string, categories: TokenType[] = []): TokenType =>
  token({ name, pattern: text, label: `'${text}'` }, categories);

export const LessEq = punct('LessEq', '<=', [CompareOp]);
export const GreaterEq = punct('GreaterEq', '>=', [CompareOp]);
export const NotEqualSql = punct('NotEqualSql', '<>', [CompareOp]);
export const NotEqual = punct('NotEqual', '!=', [CompareOp]);
/** Not an operator of the language: lexed so `a == 1` is one clear mistake (use `=`), not a parse error. */
export const DoubleEquals = punct('DoubleEquals', '==', [CompareOp]);
export const Equals = punct('Equals', '=', [CompareOp]);
export const Less = punct('Less', '<', [CompareOp]);
export const Greater = punct('Greater', '>', [CompareOp]);
export const LCurly = punct('LCurly', '{');
export const RCurly = punct('RCurly', '}');
export const LParen = punct('LParen', '(');
export const RParen = punct('RParen', ')');
export const Comma = punct('Comma', ',');
export const Colon = punct('Colon', ':');
export const Dot = punct('Dot', '.', [ValueAtom]);
export const Plus = punct('Plus', '+');

// Keywords longest first, so a keyword that is a prefix of another (`in`, `into`) never wins early.
const keywordsByLength = [...keywords].sort((a, b) => String(b.PATTERN).length - String(a.PATTERN).length);

export const allTokens: TokenType[] = [
  WhiteSpace, Comment,
  TripleString, UnterminatedTripleString, DoubleString, UnterminatedDoubleString,
  SingleString, UnterminatedSingleString, BacktickName, UnterminatedBacktickName,
  Instant, NumberLit, Quantity, MetaName,
  ...keywordsByLength, Identifier,
  LessEq, GreaterEq, NotEqualSql, NotEqual, DoubleEquals, Equals, Less, Greater,
  LCurly, RCurly, LParen, RParen, Comma, Colon, Dot, Plus,
  AnyToken, Name, ValueAtom, StringLit, QuotedName, CompareOp, TooDeep,
];

// ---------- word sets the parser's gates and the diagnostics consult ----------

/** The word a keyword token stands for. */
export const keywordText = (t: TokenType): string => String(t.PATTERN);

export const STATEMENT_KEYWORDS: readonly TokenType[] = [Stream, Reservoir, Query, Replay];
export const STATEMENT_WORDS: readonly string[] = STATEMENT_KEYWORDS.map(keywordText);
export const CLAUSE_KEYWORDS: readonly TokenType[] = [Where, Since, Until, Compact, Annotate, Into, Rate, Limit, Aggregate, Partition];
export const CLAUSE_WORDS: readonly string[] = CLAUSE_KEYWORDS.map(keywordText);
export const STREAM_PROPERTY_KEYWORDS: readonly TokenType[] = [Shards, Retention, Key];
export const RESERVOIR_PROPERTY_KEYWORDS: readonly TokenType[] = [From, At, Format, Partition, Archive];
/** What each unterminated token is called in WS102. */
export const UNTERMINATED: ReadonlyMap<TokenType, string> = new Map([
  [UnterminatedSingleString, 'string'],
  [UnterminatedDoubleString, 'string'],
  [UnterminatedTripleString, 'triple-quoted string'],
  [UnterminatedBacktickName, 'quoted name'],
]);
