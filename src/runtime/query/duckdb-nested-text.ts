// Nested result values (structs, lists) rendered as JSON text by DuckDB itself, in the exact form
// output.ts's jsonText gives them: reading a struct or list cell through node-api builds JS objects
// per value and cost ~100 µs a row (SELECT * over a million records: ~110 s of 130 s).

import { DuckDBListType, DuckDBStructType, DuckDBTypeId, type DuckDBType } from '@duckdb/node-api';
import { quoteIdent, quoteString } from './sql-engine.ts';

const INTEGERS = new Set<DuckDBTypeId>([
  DuckDBTypeId.TINYINT,
  DuckDBTypeId.SMALLINT,
  DuckDBTypeId.INTEGER,
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT,
  DuckDBTypeId.UINTEGER,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.UHUGEINT,
]);

/**
 * SQL giving the JSON text of the non-null value `x` of `type`, or null when some part of it has
 * no exact rendering here and is left to node (doubles, which DuckDB writes as `100.0` and
 * `1e+21` where JavaScript writes `100` and `1e21`; decimals; temporal values; JSON, whose text
 * DuckDB would re-serialise; maps; unions). Integers beyond 2^53 are strings, as in jsonText.
 */
function renderSql(x: string, type: DuckDBType, depth: number): string | null {
  if (type.alias !== undefined) return null;
  if (type instanceof DuckDBStructType) {
    if (type.entryNames.length === 0) return null;
    const parts: string[] = [];
    for (let i = 0; i < type.entryNames.length; i++) {
      const field = `struct_extract(${x}, ${quoteString(type.entryNames[i])})`;
      const value = renderSql(field, type.entryTypes[i], depth + 1);
      if (value === null) return null;
      parts.push(quoteString((i === 0 ? '{' : ',') + JSON.stringify(type.entryNames[i]) + ':'), orNull(field, value));
    }
    return `(${parts.join(' || ')} || '}')`;
  }
  if (type instanceof DuckDBListType) {
    const e = `wshed_e${depth}`;
    const item = renderSql(e, type.valueType, depth + 1);
    if (item === null) return null;
    return `('[' || array_to_string(list_transform(${x}, lambda ${e}: ${orNull(e, item)}), ',') || ']')`;
  }
  if (type.typeId === DuckDBTypeId.VARCHAR) return `CAST(to_json(${x}) AS VARCHAR)`;
  if (type.typeId === DuckDBTypeId.BOOLEAN) return `CASE WHEN ${x} THEN 'true' ELSE 'false' END`;
  if (INTEGERS.has(type.typeId)) {
    return `CASE WHEN ${x} BETWEEN -9007199254740991 AND 9007199254740991 THEN CAST(${x} AS VARCHAR) ELSE '"' || CAST(${x} AS VARCHAR) || '"' END`;
  }
  return null;
}

function orNull(x: string, text: string): string {
  return `CASE WHEN ${x} IS NULL THEN 'null' ELSE ${text} END`;
}

export interface NestedAsText {
  /** The statement with its nested columns replaced by their JSON text (VARCHAR). */
  readonly sql: string;
  /** Indexes of the columns that now hold JSON text. */
  readonly jsonColumns: readonly number[];
}

/**
 * Wraps one SELECT so DuckDB renders its struct and list columns as JSON text; null when there is
 * nothing to render, or the columns cannot be named (duplicate names, ignoring case).
 * A projection over an ordered subquery keeps its order in DuckDB (the ORDER BY fixes it).
 */
export function nestedAsText(sql: string, names: readonly string[], types: readonly DuckDBType[]): NestedAsText | null {
  if (new Set(names.map((n) => n.toLowerCase())).size !== names.length) return null;
  const jsonColumns: number[] = [];
  const items = names.map((name, i) => {
    const column = `wshed_rendered.${quoteIdent(name)}`;
    const nested = types[i] instanceof DuckDBStructType || types[i] instanceof DuckDBListType;
    const text = nested ? renderSql(column, types[i], 0) : null;
    if (text === null) return column;
    jsonColumns.push(i);
    return `CASE WHEN ${column} IS NULL THEN NULL ELSE ${text} END AS ${quoteIdent(name)}`;
  });
  if (jsonColumns.length === 0) return null;
  return { sql: `SELECT ${items.join(', ')} FROM (\n${sql.replace(/[\s;]+$/, '')}\n) AS wshed_rendered`, jsonColumns };
}

/** DuckDB writes control characters as `\u001B`; JSON.stringify (and so jsonText) as `\u001b`. */
export function lowerHexEscapes(json: string): string {
  if (!json.includes('\\u00')) return json;
  return json.replace(/\\(?:u00([0-9A-Fa-f]{2})|[\s\S])/g, (escape, hex: string | undefined) => (hex === undefined ? escape : `\\u00${hex.toLowerCase()}`));
}
