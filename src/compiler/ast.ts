// The syntax tree of a .wshed file, as written: every node keeps its span, values keep
// their source text, and nothing is resolved or validated yet (that is the checker's job).

import type { Span } from './source.ts';

export interface Ident {
  readonly text: string;
  readonly span: Span;
}

export interface Comment {
  /** Text after '#', without the newline. */
  readonly text: string;
  readonly span: Span;
}

export interface Pipeline {
  readonly statements: readonly Statement[];
  readonly comments: readonly Comment[];
  /**
   * Statements whose keyword is misspelled (`resrvoir lake { ... }`, reported as WS105) but whose
   * kind and name are clear: the checker treats the name as declared, so uses of it are not
   * reported again as unknown.
   */
  readonly misspelled?: readonly MisspelledDecl[];
  readonly span: Span;
}

export interface MisspelledDecl {
  readonly kind: 'stream' | 'reservoir' | 'query';
  readonly name: Ident;
}

export type Statement = StreamDecl | ReservoirDecl | QueryDecl | ReplayDecl;

// ---------- values ----------

export interface NumberLit {
  readonly kind: 'number';
  readonly value: number;
  readonly text: string;
  readonly span: Span;
}

export type Quote = 'single' | 'double' | 'triple';

export interface StringLit {
  readonly kind: 'string';
  /** The decoded value. */
  readonly value: string;
  readonly quote: Quote;
  /** The closing quote never came (already reported, WS102): checks of the value are skipped. */
  readonly unterminated?: true;
  readonly span: Span;
}

export interface BoolLit {
  readonly kind: 'boolean';
  readonly value: boolean;
  readonly span: Span;
}

export interface NullLit {
  readonly kind: 'null';
  readonly span: Span;
}

export type Literal = StringLit | NumberLit | BoolLit | NullLit;

/** A number with a unit suffix as written (`24h`, `64MB`, `500/s`); the checker gives it meaning. */
export interface QuantityLit {
  readonly kind: 'quantity';
  readonly text: string;
  readonly span: Span;
}

export type TimeExpr =
  /** An ISO-8601 instant or date, bare or quoted; `text` is the unquoted text. */
  | { readonly kind: 'instant'; readonly text: string; readonly quoted: boolean; readonly span: Span }
  | { readonly kind: 'now'; readonly span: Span }
  | { readonly kind: 'ago'; readonly duration: QuantityLit; readonly span: Span };

/** A JSON path into the record payload: `customer.region`, `` `odd name`.x ``. */
export interface FieldRef {
  readonly kind: 'field';
  readonly segments: readonly { readonly name: string; readonly quoted: boolean; readonly span: Span }[];
  readonly span: Span;
}

/** Record metadata: `@partition_key`, `@arrival_time`, `@shard_id`, `@sequence_number`, ... */
export interface MetaRef {
  readonly kind: 'meta';
  /** Without the '@'. */
  readonly name: string;
  readonly span: Span;
}

export type KeyRef = FieldRef | MetaRef;

// ---------- where expressions ----------

export type CompareOp = '=' | '!=' | '<>' | '<' | '<=' | '>' | '>=';

export type Operand = FieldRef | MetaRef | Literal;

export type Expr =
  /** `a or b or c` as one flat list (two or more operands), so a long list never nests. */
  | { readonly kind: 'or' | 'and'; readonly operands: readonly Expr[]; readonly span: Span }
  | { readonly kind: 'not'; readonly operand: Expr; readonly span: Span }
  | { readonly kind: 'compare'; readonly op: CompareOp; readonly left: Operand; readonly right: Operand; readonly span: Span }
  | { readonly kind: 'in'; readonly operand: Operand; readonly list: readonly Literal[]; readonly negated: boolean; readonly span: Span }
  | { readonly kind: 'between'; readonly operand: Operand; readonly low: Operand; readonly high: Operand; readonly negated: boolean; readonly span: Span }
  | { readonly kind: 'like'; readonly operand: Operand; readonly pattern: StringLit; readonly negated: boolean; readonly span: Span }
  | { readonly kind: 'is-null'; readonly operand: Operand; readonly negated: boolean; readonly span: Span }
  /** Parentheses as written; kept so `fmt` can preserve them. */
  | { readonly kind: 'paren'; readonly inner: Expr; readonly span: Span };

// ---------- stream ----------

export interface StreamDecl {
  readonly kind: 'stream';
  readonly name: Ident;
  readonly properties: readonly StreamProperty[];
  readonly span: Span;
}

export type StreamProperty =
  | { readonly kind: 'shards'; readonly count: NumberLit; readonly span: Span }
  | { readonly kind: 'retention'; readonly duration: QuantityLit; readonly span: Span }
  | { readonly kind: 'key'; readonly key: KeyRef; readonly span: Span }
  | UnknownProperty;

/** A property word the grammar does not know, with whatever followed it; the checker reports it. */
export interface UnknownProperty {
  readonly kind: 'unknown';
  readonly word: Ident;
  readonly span: Span;
}

// ---------- reservoir ----------

export interface ReservoirDecl {
  readonly kind: 'reservoir';
  readonly name: Ident;
  readonly properties: readonly ReservoirProperty[];
  readonly span: Span;
}

export type ReservoirProperty =
  | { readonly kind: 'from'; readonly stream: Ident; readonly span: Span }
  | { readonly kind: 'at'; readonly location: StringLit; readonly span: Span }
  | { readonly kind: 'format'; readonly format: Ident; readonly span: Span }
  | { readonly kind: 'partition'; readonly partition: Ident; readonly span: Span }
  | {
      readonly kind: 'archive';
      /** `archiver` or `firehose` as written. */
      readonly via: Ident;
      readonly every?: QuantityLit;
      /** `buffer 64MB 300s` (firehose). */
      readonly buffer?: { readonly size: QuantityLit; readonly interval: QuantityLit; readonly span: Span };
      readonly span: Span;
    }
  | UnknownProperty;

// ---------- query ----------

export interface QueryDecl {
  readonly kind: 'query';
  readonly name: Ident;
  readonly sql: StringLit;
  readonly span: Span;
}

// ---------- replay ----------

export type ReplaySourceKind = 'archive' | 'live' | 'archive+live';

export interface ReplayDecl {
  readonly kind: 'replay';
  readonly name?: Ident;
  readonly source: { readonly kind: ReplaySourceKind; readonly span: Span };
  readonly reservoir?: Ident;
  readonly clauses: readonly ReplayClause[];
  /** Error recovery cut the statement short (a syntax error is reported): clauses may be lost. */
  readonly incomplete?: true;
  readonly span: Span;
}

export interface AnnotationEntry {
  readonly key: Ident;
  readonly value: Literal;
  readonly span: Span;
}

export type ReplayClause =
  | { readonly kind: 'where'; readonly expr: Expr; readonly span: Span }
  | { readonly kind: 'since'; readonly time: TimeExpr; readonly span: Span }
  | { readonly kind: 'until'; readonly time: TimeExpr; readonly span: Span }
  /** `compact by key [path]`. */
  | { readonly kind: 'compact'; readonly key?: KeyRef; readonly span: Span }
  | { readonly kind: 'annotate'; readonly entries: readonly AnnotationEntry[]; readonly span: Span }
  | { readonly kind: 'into'; readonly stream: Ident; readonly span: Span }
  /** `rate 500/s`. */
  | { readonly kind: 'rate'; readonly rate: QuantityLit; readonly span: Span }
  | { readonly kind: 'limit'; readonly count: NumberLit; readonly span: Span }
  /** `aggregate on|off` (KPL aggregation of emitted records). */
  | { readonly kind: 'aggregate'; readonly enabled: boolean; readonly span: Span }
  /** `partition by PATH`: the emitted partition key (default: the original one). */
  | { readonly kind: 'partition-by'; readonly key: KeyRef; readonly span: Span };

export type ReplayClauseKind = ReplayClause['kind'];
