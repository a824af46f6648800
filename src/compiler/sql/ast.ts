// The SQL syntax tree the generators build and the printer prints: one tree for every dialect, whose
// abstract nodes (JSON access, stored payload, partitions, reservoir and live inputs) each dialect spells.

import type { PartitionScheme, ReservoirFormat } from '../record-layout.ts';

/** Types the SQL names; each dialect spells them from its type table. */
export type SqlType = 'text' | 'bigint' | 'double' | 'boolean' | 'timestamp';

/** Functions by portable name; each dialect maps them to its own spelling (or to nothing). */
export type FunctionName =
  | 'lpad'
  | 'replace'
  | 'lower'
  | 'coalesce'
  | 'regexp_matches'
  /** JSON text → the dialect's payload value (DuckDB JSON, Drill map). */
  | 'parse_json'
  | 'json_extract'
  | 'json_extract_string'
  | 'json_type'
  /** The payload value → JSON bytes (Drill `CONVERT_TO(x, 'JSON')`). */
  | 'json_encode'
  /** UTF-8 bytes → text (Drill `CONVERT_FROM(x, 'UTF8')`). */
  | 'utf8_text'
  /** `split_part(text, delimiter, n)`, n 1-based. */
  | 'split_part'
  /** `strpos(text, sub)`: 1-based position of the first `sub`, 0 when absent. */
  | 'strpos'
  /** `substr(text, start, length)`, in characters, start 1-based. */
  | 'substr'
  /** Length in characters. */
  | 'length';

export type CompareOp = '=' | '<>' | '<' | '<=' | '>' | '>=';
export type BinaryOp = CompareOp | 'AND' | 'OR' | '||' | '+' | '-';

export type LiteralValue =
  | { readonly type: 'string'; readonly value: string }
  /** Decimal text, validated by the printer (never arbitrary text). */
  | { readonly type: 'number'; readonly text: string }
  | { readonly type: 'boolean'; readonly value: boolean }
  | { readonly type: 'null' }
  /** `TIMESTAMP 'YYYY-MM-DD HH:MM:SS[.fff]'`. */
  | { readonly type: 'timestamp'; readonly text: string };

/** How a JSON path into the payload is read: as text, as a number, as a boolean, or as whatever the
 * dialect reads naturally (only NULL-ness matters: missing and JSON null are both NULL). */
export type JsonValueType = 'text' | 'double' | 'boolean' | 'presence';

export interface ColumnRef {
  readonly kind: 'column';
  readonly table: string | null;
  readonly name: string;
}

export interface OrderItem {
  readonly expr: SqlExpr;
  readonly descending: boolean;
}

export type SqlExpr =
  | ColumnRef
  /** A member of a map/struct value: `base.name` (or `base['name']` when the name cannot be quoted). */
  | { readonly kind: 'member'; readonly base: SqlExpr; readonly name: string }
  /** An element of a list value: `base[index]` (0-based, as Drill's `columns[0]`). */
  | { readonly kind: 'index'; readonly base: SqlExpr; readonly index: number }
  /** Abstract: a value inside the JSON payload column, addressed by object keys. */
  | { readonly kind: 'json-value'; readonly payload: ColumnRef; readonly path: readonly string[]; readonly as: JsonValueType }
  /** Abstract: the payload column as stored by a source, turned into the dialect's payload value. */
  | { readonly kind: 'stored-payload'; readonly column: ColumnRef; readonly stored: PayloadStorage }
  /**
   * Abstract: the payload column as it crosses a UNION ALL (`into`, in each branch) and as it is
   * read after the union's de-duplication (`out`); see `Dialect.payloadAcrossUnion`.
   */
  | { readonly kind: 'union-payload'; readonly column: ColumnRef; readonly side: 'into' | 'out' }
  /** Abstract: a bound on a Hive-style partition folder (`dt=2026-11-01`) at folder depth `level`, for pruning. */
  | {
      readonly kind: 'partition-bound';
      readonly table: string | null;
      readonly partition: string;
      readonly level: number;
      readonly op: CompareOp;
      readonly value: string;
    }
  | { readonly kind: 'literal'; readonly value: LiteralValue }
  | { readonly kind: 'binary'; readonly op: BinaryOp; readonly left: SqlExpr; readonly right: SqlExpr }
  | { readonly kind: 'unary'; readonly op: 'NOT' | '-'; readonly operand: SqlExpr }
  | { readonly kind: 'in'; readonly operand: SqlExpr; readonly list: readonly SqlExpr[]; readonly negated: boolean }
  | { readonly kind: 'between'; readonly operand: SqlExpr; readonly low: SqlExpr; readonly high: SqlExpr; readonly negated: boolean }
  | { readonly kind: 'like'; readonly operand: SqlExpr; readonly pattern: SqlExpr; readonly negated: boolean }
  | { readonly kind: 'is-null'; readonly operand: SqlExpr; readonly negated: boolean }
  | { readonly kind: 'call'; readonly fn: FunctionName; readonly args: readonly SqlExpr[] }
  /** `safe` casts give NULL instead of failing (TRY_CAST); dialects without one get a guarded CASE. */
  | { readonly kind: 'cast'; readonly operand: SqlExpr; readonly type: SqlType; readonly safe: boolean }
  | { readonly kind: 'case'; readonly whens: readonly { readonly when: SqlExpr; readonly then: SqlExpr }[]; readonly otherwise: SqlExpr | null }
  | { readonly kind: 'row-number'; readonly partitionBy: readonly SqlExpr[]; readonly orderBy: readonly OrderItem[] };

/** How a source stores the payload: NDJSON files hold JSON values, Parquet holds JSON text, the
 * live relation holds whatever the dialect's live input provides (see the dialect). */
export type PayloadStorage = 'json' | 'json-text' | 'live';

export interface SelectItem {
  readonly expr: SqlExpr;
  readonly alias: string | null;
}

/** Abstract: the archived files of a reservoir (partition folders only: no quarantine, no temp files). */
export interface ReservoirFiles {
  readonly kind: 'reservoir-files';
  readonly reservoir: string;
  /** Root of the reservoir: a local path or `s3://bucket/prefix`, without a trailing slash. */
  readonly root: string;
  readonly format: ReservoirFormat;
  readonly partition: PartitionScheme;
  /** Drill storage plugin mapping the bucket (the reservoir is a workspace of it). */
  readonly storagePlugin: string;
  readonly alias: string | null;
}

/** Abstract: the records of the stream past the archive checkpoint, provided by the runtime. */
export interface LiveRecords {
  readonly kind: 'live-records';
  readonly reservoir: string;
  readonly stream: string;
  readonly hiveDatabase: string;
  readonly alias: string | null;
}

export type Relation =
  /** A table, view or CTE by its (quoted) name parts. */
  | { readonly kind: 'table'; readonly path: readonly string[]; readonly alias: string | null }
  | { readonly kind: 'subquery'; readonly query: Query; readonly alias: string }
  | ReservoirFiles
  | LiveRecords
  | { readonly kind: 'join'; readonly left: Relation; readonly right: Relation; readonly on: SqlExpr }
  /** Abstract: the files of `of` (no alias) read as lines of text, one column per line (see `Dialect.textLines`). */
  | { readonly kind: 'text-lines'; readonly of: Relation; readonly alias: string | null };

export interface Cte {
  readonly name: string;
  readonly query: Query;
}

export interface Select {
  readonly kind: 'select';
  readonly with: readonly Cte[];
  readonly items: readonly SelectItem[];
  readonly from: Relation | null;
  readonly where: SqlExpr | null;
  /** Filter on window results; lowered to a subquery for dialects without QUALIFY. */
  readonly qualify: SqlExpr | null;
  readonly orderBy: readonly OrderItem[];
  readonly limit: number | null;
}

export interface UnionAll {
  readonly kind: 'union-all';
  readonly queries: readonly Select[];
}

export type Query = Select | UnionAll;

// ---------- constructors: keep the generators short and the tree well-formed ----------

export const col = (table: string | null, name: string): ColumnRef => ({ kind: 'column', table, name });
export const str = (value: string): SqlExpr => ({ kind: 'literal', value: { type: 'string', value } });
export const num = (value: number | string): SqlExpr => ({ kind: 'literal', value: { type: 'number', text: String(value) } });
export const bool = (value: boolean): SqlExpr => ({ kind: 'literal', value: { type: 'boolean', value } });
export const nullLit: SqlExpr = { kind: 'literal', value: { type: 'null' } };
export const call = (fn: FunctionName, ...args: SqlExpr[]): SqlExpr => ({ kind: 'call', fn, args });
export const cast = (operand: SqlExpr, type: SqlType, safe = false): SqlExpr => ({ kind: 'cast', operand, type, safe });
export const bin = (op: BinaryOp, left: SqlExpr, right: SqlExpr): SqlExpr => ({ kind: 'binary', op, left, right });
export const not = (operand: SqlExpr): SqlExpr => ({ kind: 'unary', op: 'NOT', operand });
export const isNull = (operand: SqlExpr, negated = false): SqlExpr => ({ kind: 'is-null', operand, negated });
export const table = (name: string, alias: string | null = null): Relation => ({ kind: 'table', path: [name], alias });

/** `a AND b AND ...` (null when empty). */
export function allOf(exprs: readonly SqlExpr[]): SqlExpr | null {
  return exprs.reduce<SqlExpr | null>((acc, e) => (acc ? bin('AND', acc, e) : e), null);
}

/** `a OR b OR ...` (null when empty). */
export function anyOf(exprs: readonly SqlExpr[]): SqlExpr | null {
  return exprs.reduce<SqlExpr | null>((acc, e) => (acc ? bin('OR', acc, e) : e), null);
}

export function select(parts: Partial<Omit<Select, 'kind'>> & Pick<Select, 'items'>): Select {
  return { kind: 'select', with: [], from: null, where: null, qualify: null, orderBy: [], limit: null, ...parts };
}
