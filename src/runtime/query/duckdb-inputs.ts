// The plan's named inputs on DuckDB: the relation an archive input is bound to (read_json or
// read_parquet over an exact file list, or an empty relation of the same columns), and SQL that
// runs a plan's SQL with its archive input bound to one file set among several.

import type { ArchiveInput } from '../../compiler/plan/types.ts';
import { partitionColumns } from '../../compiler/record-layout.ts';
import { emptyArchiveScan, recordColumnsSpec } from './record-table.ts';
import { quoteIdent, quoteString } from './sql-engine.ts';

/**
 * Why exact files and not the reservoir's glob: a glob (1) fails when no file matches yet, (2) is
 * relative to the folder `wshed` ran in, and (3) is evaluated when the query runs, so a file the
 * archiver publishes after the live records were read would be counted twice. The runtime lists
 * the files once, after reading the live records, and the SQL reads exactly those.
 *
 * `files` is a DuckDB expression giving the list (`getvariable('…')`, bound rather than spelled
 * out: DuckDB parses a literal of 20,000 paths in ~0.4 s and binds it in ~0.1 s), or null for none.
 * `payloadType` types the payload at the scan (read_json then parses each payload straight into it,
 * leniently: a value that does not fit reads as NULL).
 */
export function archiveRelationSql(input: ArchiveInput, files: string | null, payloadType: string | null = null): string {
  const partitions = partitionColumns(input.partition);
  if (files === null) return `SELECT * FROM ${emptyArchiveScan(partitions, payloadType ?? undefined)}`;
  const hive = `hive_partitioning = true, hive_types = {${partitions.map((p) => `${quoteString(p)}: 'VARCHAR'`).join(', ')}}`;
  if (input.format === 'parquet') return `SELECT * FROM read_parquet(${files}, ${hive})`;
  // Explicit columns: no schema sniffing (several times faster), and payload stays one JSON value.
  const typed = payloadType === null ? '' : ', ignore_errors = true';
  return `SELECT * FROM read_json(${files}, format = 'newline_delimited', columns = ${recordColumnsSpec(payloadType ?? undefined)}, ${hive}${typed})`;
}

/** A file list spelled out as a DuckDB list literal (tests, and lists too small to bind). */
export const fileListLiteral = (files: readonly string[]): string | null => (files.length === 0 ? null : `[${files.map(quoteString).join(', ')}]`);

/**
 * `planSql` (one SELECT) reading its archive input from `bound`, a relation bound with
 * SqlEngine.bindArchive under another name: the input's name becomes a CTE over it, which the
 * plan's own CTEs see. Nothing in `planSql` is read or changed.
 */
export function withArchiveAs(planSql: string, input: ArchiveInput, bound: string): string {
  return withArchiveRelation(planSql, input, `SELECT * FROM ${quoteIdent(bound)}`);
}

/** `planSql` reading its archive input from `relation`, a SELECT (SqlEngine.archiveRelation), the same way. */
export function withArchiveRelation(planSql: string, input: ArchiveInput, relation: string): string {
  return `WITH ${input.relation.duckdb} AS (${relation})\nSELECT * FROM (\n${planSql.trim().replace(/;$/, '')}\n) AS bound`;
}
