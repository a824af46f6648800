// What a SQL dialect is: mostly data (quoting, types, function names, capabilities) read by the one
// generic printer, plus the few hooks that cannot be data (how the reservoir and the payload are read).

import type { SqlByDialect } from '../plan/types.ts';
import type { ColumnRef, FunctionName, JsonValueType, LiveRecords, PayloadStorage, ReservoirFiles, SqlExpr, SqlType } from './ast.ts';

export type DialectName = keyof SqlByDialect;

/** A function's spelling; `trailingArgs` are appended to every call (`CONVERT_FROM(x, 'JSON')`). */
export interface FunctionSpelling {
  readonly name: string;
  readonly trailingArgs?: readonly SqlExpr[];
}

/** What a hook may use to print: the printer's own escaping, so no hook glues unescaped text. */
export interface PrintHelpers {
  ident(name: string): string;
  string(value: string): string;
}

export interface Dialect {
  readonly name: DialectName;

  // ----- lexical data -----
  /** Quote characters of a delimited identifier; a closing quote inside is doubled. */
  readonly identifierQuote: { readonly open: string; readonly close: string };
  /** Words that must be quoted, or 'all' to quote every identifier. */
  readonly reservedWords: ReadonlySet<string> | 'all';
  /** Names that cannot be written even as delimited identifiers; members with such names print as `base['name']`. */
  readonly unquotableIdentifier: RegExp;

  // ----- tables of names -----
  readonly types: Readonly<Record<SqlType, string>>;
  /** Null when the dialect has no such function: printing a call to it is a coded unsupported error. */
  readonly functions: Readonly<Record<FunctionName, FunctionSpelling | null>>;

  // ----- capabilities -----
  /** `QUALIFY`; without it the printer lowers to a subquery with `ROW_NUMBER() ... AS rn` and `WHERE`. */
  readonly supportsQualify: boolean;
  /** Keyword of a cast that yields NULL on failure (`TRY_CAST`); null lowers to a regex-guarded CASE. */
  readonly safeCast: string | null;
  /** How partition folders are seen: as Hive columns (`dt = '2026-11-01'`) or directory levels (`dir0 = 'dt=2026-11-01'`). */
  readonly partitionColumns: 'hive-columns' | 'directory-levels';
  /**
   * How the payload crosses a UNION ALL: as the payload value itself, or as JSON text parsed back
   * (`parse_json`) after the union's de-duplication, for a dialect whose union loses map values
   * (Drill 1.22 returns every map of a UNION ALL as `{}`, and a map parsed beside a window too).
   */
  readonly payloadAcrossUnion: 'value' | 'json-text';
  /**
   * A replay's payload text comes from the archived line (`record-lines.ts`): the dialect's JSON
   * reader cannot give a payload back as JSON text with its numbers' types (Drill's all_text_mode
   * reads every scalar as text).
   */
  readonly payloadTextFromLines: boolean;
  /** Which payload storages need `parse_json` to become the dialect's payload value. */
  readonly parseStoredPayload: Readonly<Record<PayloadStorage, boolean>>;

  // ----- hooks -----
  /** Lower an abstract JSON payload access to concrete expressions of this dialect. */
  jsonValue(payload: ColumnRef, path: readonly string[], as: JsonValueType): SqlExpr;
  /** The relation reading a reservoir's partition files (no alias). */
  reservoirFiles(node: ReservoirFiles, h: PrintHelpers): string;
  /** Name parts of the relation holding live records. */
  liveTable(node: LiveRecords): readonly string[];
  /**
   * The files of `relation` (printed) read as text, each line whole in one column reached as
   * `index(column, 0)` of the name it returns; null: the dialect cannot (printing one is unsupported).
   */
  readonly textLines: { print(relation: string): string; readonly column: string } | null;
}

/** A dialect cannot express something: a coded error, never silently different SQL. */
export class SqlUnsupportedError extends Error {
  readonly code = 'sql-unsupported';
  constructor(
    readonly dialect: DialectName,
    readonly feature: string,
  ) {
    super(`${dialect} cannot express ${feature}`);
    this.name = 'SqlUnsupportedError';
  }
}
