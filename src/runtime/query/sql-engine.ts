// The SQL engine as the query runtime sees it: a small interface (DuckDB behind it, see
// duckdb-engine.ts) and an engine-neutral value model that the output formats render.

import type { ArchiveInput } from '../../compiler/plan/types.ts';

/**
 * One result value. Engine types map onto a few shapes so the formats need not know the engine:
 * integers of any width are `bigint` (exact), floating point is `number`, temporal, UUID, interval
 * and blob values are `string` in the engine's own text form, and the three tagged kinds keep what
 * a plain string would lose (JSON text to embed as is, a decimal's exact digits, nesting).
 */
export type SqlValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | { readonly kind: 'json'; readonly text: string }
  | { readonly kind: 'decimal'; readonly text: string }
  | { readonly kind: 'list'; readonly items: readonly SqlValue[] }
  /** Structs and maps (keys as text), entries in the engine's order. */
  | { readonly kind: 'struct'; readonly entries: readonly (readonly [string, SqlValue])[] };

export interface SqlColumn {
  readonly name: string;
  /** The engine's type name, e.g. `VARCHAR`, `STRUCT(id VARCHAR, region VARCHAR)`. */
  readonly type: string;
}

/** Rows of a result a chunk at a time, so no caller ever holds the whole result. */
export interface SqlResultStream {
  readonly columns: readonly SqlColumn[];
  /** The next rows (a few thousand at most), or null once the result is exhausted. */
  next(): Promise<SqlValue[][] | null>;
}

/** Rows of a result as JSON object texts, a batch at a time (see SqlEngine.streamJsonLines). */
export interface SqlJsonLineStream {
  readonly columns: readonly SqlColumn[];
  /** The next rows' JSON texts (one per row, no line break), or null once the result is exhausted. */
  next(): Promise<string[] | null>;
}

export interface SqlStatementInfo {
  readonly statements: number;
  /** Tables and views the SQL names (unqualified), or null when the engine cannot tell. */
  readonly tables: readonly string[] | null;
}

export interface SqlStatementDescription {
  /** The statement's kind in upper case, as the engine names it: SELECT, COPY, SET, ATTACH… */
  readonly kind: string;
  readonly columns: readonly SqlColumn[];
}

export interface SqlEngine {
  /** Runs SQL whose result is not read (DDL, settings, inserts). */
  exec(sql: string): Promise<void>;
  /** A small result read at once: bookkeeping and samples only, never a user's query. */
  rows(sql: string): Promise<SqlValue[][]>;
  /** Runs every statement but the last, then streams the last one's rows. */
  stream(sql: string, options?: StreamOptions): Promise<SqlResultStream>;
  /**
   * Optional, for speed: one SELECT's rows each rendered by the engine as one JSON object (keys
   * the column names, in order), exactly the text output.ts's jsonText gives value by value.
   * Null when the engine cannot promise that text for this statement, or it would not be faster: use `stream`.
   */
  streamJsonLines?(sql: string, options?: StreamOptions): Promise<SqlJsonLineStream | null>;
  /**
   * Binds a plan's archive input to exactly `files` (URLs from the reservoir store): SQL naming the
   * relation then reads those files and nothing else, and no rows (the same columns) when there are
   * none. How is the engine's own (DuckDB: a view over read_json/read_parquet of a bound list).
   */
  bindArchive(input: ArchiveInput, files: readonly string[], options?: ArchiveBinding): Promise<void>;
  /**
   * Optional, for speed: the SELECT bindArchive would bind `as` to (any session state it needs is
   * set up here), to place in a statement instead of naming a binding. DuckDB binds a view again
   * wherever it is named, so a view of its own cost each query one more bind of the file scan.
   */
  archiveRelation?(input: ArchiveInput, files: readonly string[], options?: Omit<ArchiveBinding, 'as'>): Promise<string>;
  /**
   * Optional, for speed: archiveRelation will likely be asked for exactly these files, so what they
   * need may be set up now, beside other work (DuckDB: the list as a session variable). Never fails
   * (a failure shows in archiveRelation); ignored once the engine closes.
   */
  expectFiles?(files: readonly string[]): void;
  /** Parses without running: fails with SqlError on a syntax error (`statements` is 0 for only `;` or comments). */
  inspect(sql: string): Promise<SqlStatementInfo>;
  /** Parses and binds one statement without running it: its kind and the columns it would return. */
  describe(sql: string): Promise<SqlStatementDescription>;
  /**
   * From now on files are read only inside `directories`, nothing is written outside them, no
   * extension is installed or loaded, and no setting can change. For SQL from others; irreversible.
   */
  confine(directories: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

export interface StreamOptions {
  /**
   * The statement returns at most this many rows (its own constant LIMIT): set-up that pays off
   * only over many rows (DuckDB: binding a rendering wrap) may be skipped. Never changes the rows.
   */
  readonly rowsAtMost?: number;
}

export interface ArchiveBinding {
  /** Bind under this (unquoted) name instead of the input's own, to hold several file sets at once. */
  readonly as?: string;
  /** The engine's type for the payload column when the scan should type it (default: JSON as stored). */
  readonly payloadType?: string;
}

/** What a use of the engine needs; what it leaves unset comes from the target's settings. */
export interface SqlEngineRequest {
  readonly threads?: number;
  readonly memoryLimit?: string;
  /** Where an embedded engine spills (default: a private temp folder). */
  readonly spillDirectory?: string;
  /** Results keep scan order without ORDER BY (writing a file in the order it was read). */
  readonly preserveOrder?: boolean;
  /** An engine in this process whatever the target's engine: converting files on this machine. */
  readonly embedded?: boolean;
}

/** A failure the engine reports about the SQL or the data it reads; `message` is the engine's. */
export class SqlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SqlError';
  }
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function quoteString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
