// The reservoir record layout in DuckDB's terms, for every place the runtime builds a relation of
// records itself (the live tables, exact-file scans, the empty scan): one definition, not one each.

import { RECORD_COLUMNS } from '../../compiler/record-layout.ts';
import { DUCKDB_COLUMN_TYPES } from '../../compiler/sql/dialects/duckdb.ts';
import { quoteIdent, quoteString } from './sql-engine.ts';

const typeOf = (c: (typeof RECORD_COLUMNS)[number], payloadType: string): string => (c.type === 'json' ? payloadType : DUCKDB_COLUMN_TYPES[c.type]);

/** `"stream" VARCHAR, …`: the column list of a table holding records, in RECORD_COLUMNS order. */
export function recordColumnsDdl(): string {
  return RECORD_COLUMNS.map((c) => `${quoteIdent(c.name)} ${DUCKDB_COLUMN_TYPES[c.type]}`).join(', ');
}

/** `{'stream': 'VARCHAR', …}`: read_json's `columns` argument for records, the payload typed as given. */
export function recordColumnsSpec(payloadType = 'JSON'): string {
  return `{${RECORD_COLUMNS.map((c) => `${quoteString(c.name)}: ${quoteString(typeOf(c, payloadType))}`).join(', ')}}`;
}

/**
 * The archive scan's columns (the record layout plus the Hive partition folders) with no rows:
 * read_json refuses a glob that matches nothing, so an empty reservoir is read as this.
 */
export function emptyArchiveScan(partitions: readonly string[], payloadType = 'JSON'): string {
  const columns = RECORD_COLUMNS.map((c) => `CAST(NULL AS ${typeOf(c, payloadType)}) AS ${quoteIdent(c.name)}`);
  const folders = partitions.map((p) => `CAST(NULL AS VARCHAR) AS ${quoteIdent(p)}`);
  return `(SELECT ${[...columns, ...folders].join(', ')} WHERE false)`;
}
