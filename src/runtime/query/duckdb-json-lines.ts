// Whole NDJSON rows rendered by DuckDB: one VARCHAR per row holding the row's JSON object, in the
// exact text output.ts's jsonText gives value by value. Reading a result cell by cell through
// node-api and rendering it in JavaScript cost ~60% of `SELECT *` over a million records.
// DuckDB renders only what provably matches JavaScript; the rest it leaves as a marker
// (`\x01<kind><text>\x02`, a raw control character no JSON text can hold) that finishJsonLine
// renders in JavaScript from the exact value, and types it has no exact form for (decimals,
// dates, intervals, maps…) keep the whole query on the value-by-value path.

import { DuckDBListType, DuckDBStructType, DuckDBTimestampValue, DuckDBTypeId, type DuckDBType } from '@duckdb/node-api';
import { INTEGER_TYPE_IDS, lowerHexEscapes, nestedLeaves } from './duckdb-nested-text.ts';
import { jsonText } from './output.ts';
import { quoteIdent, quoteString } from './sql-engine.ts';

const INTEGERS = new Set<DuckDBTypeId>(INTEGER_TYPE_IDS);

/**
 * Marker kinds: D a double DuckDB writes differently from JavaScript (its text round-trips, so
 * JavaScript re-renders the same double), T a timestamp before year 1 (node-api's text differs
 * there: epoch microseconds), U a string's JSON with `\u00XX` escapes (DuckDB writes `\u001B`,
 * JSON.stringify `\u001b`), X JSON text holding a raw \x01 (base64, as written).
 */
const MARKER = /\x01([DTUX])([^\x01\x02]*)\x02/g;

/** SQL for a marker of `kind` around the VARCHAR `text`. */
const marker = (kind: string, text: string) => `concat(chr(1), '${kind}', ${text}, chr(2))`;

/**
 * SQL giving the JSON text of the non-null value `x` of `type` (markers inside), or null when the
 * type has no exact rendering here. `json` is `x`'s JSON text when the caller has it already
 * (a VARCHAR column's to_json, computed once).
 */
function valueSql(x: string, type: DuckDBType, depth: number, json?: string): string | null {
  if (type.alias === 'JSON' && type.typeId === DuckDBTypeId.VARCHAR) {
    // As written; jsonText turns line breaks (whitespace in valid JSON) into spaces. Most texts
    // hold neither a line break nor \x01: three byte searches pass them on untouched, where the
    // two replaces copied every payload twice (a third of SELECT *'s rendering).
    return (
      `CASE WHEN NOT (contains(${x}, chr(10)) OR contains(${x}, chr(13)) OR contains(${x}, chr(1))) THEN ${x} ` +
      `WHEN contains(${x}, chr(1)) THEN ${marker('X', `to_base64(encode(${x}))`)} ELSE replace(replace(${x}, chr(13), ' '), chr(10), ' ') END`
    );
  }
  if (type.alias !== undefined) return null;
  if (type instanceof DuckDBStructType) {
    if (type.entryNames.length === 0) return null;
    const parts: string[] = [];
    for (let i = 0; i < type.entryNames.length; i++) {
      const field = `struct_extract(${x}, ${quoteString(type.entryNames[i])})`;
      const value = valueSql(field, type.entryTypes[i], depth + 1);
      if (value === null) return null;
      parts.push(quoteString((i === 0 ? '{' : ',') + JSON.stringify(type.entryNames[i]) + ':'), orNull(field, value));
    }
    return `concat(${parts.join(', ')}, '}')`;
  }
  if (type instanceof DuckDBListType) {
    const e = `wshed_e${depth}`;
    const item = valueSql(e, type.valueType, depth + 1);
    if (item === null) return null;
    return `concat('[', array_to_string(list_transform(${x}, lambda ${e}: ${orNull(e, item)}), ','), ']')`;
  }
  switch (type.typeId) {
    case DuckDBTypeId.VARCHAR: {
      const j = json ?? `CAST(to_json(${x}) AS VARCHAR)`;
      return `CASE WHEN contains(${j}, '\\u00') THEN ${marker('U', j)} ELSE ${j} END`;
    }
    case DuckDBTypeId.BOOLEAN:
      return `CASE WHEN ${x} THEN 'true' ELSE 'false' END`;
    case DuckDBTypeId.DOUBLE:
      return doubleSql(x);
    case DuckDBTypeId.FLOAT:
      // node-api hands a FLOAT over as the double it widens to.
      return doubleSql(`CAST(${x} AS DOUBLE)`);
    case DuckDBTypeId.TIMESTAMP:
      // DuckDB's text and node-api's agree from year 1 on (and for ±infinity); before, node-api's is kept.
      return (
        `CASE WHEN ${x} >= TIMESTAMP '0001-01-01' OR ${x} = TIMESTAMP '-infinity' THEN concat('"', CAST(${x} AS VARCHAR), '"') ` +
        `ELSE ${marker('T', `CAST(epoch_us(${x}) AS VARCHAR)`)} END`
      );
  }
  if (INTEGERS.has(type.typeId)) {
    // jsonText: integers beyond 2^53 as strings.
    return `CASE WHEN ${x} BETWEEN -9007199254740991 AND 9007199254740991 THEN CAST(${x} AS VARCHAR) ELSE concat('"', CAST(${x} AS VARCHAR), '"') END`;
  }
  return null;
}

/**
 * DuckDB writes doubles as JavaScript does when they are not integers and 1e-3 <= |x| < 1e15
 * (shortest round-trip digits, fixed notation: checked on random doubles in the tests); integers
 * below 1e15 are exact as BIGINT (-0 gives 0, as JSON.stringify). NaN and infinities are strings,
 * as in jsonText. The rest (`1e+21` for 1e21, `1e-07`, `100.0`…) is marked for JavaScript.
 */
function doubleSql(x: string): string {
  // The common cases first: CASE tests each branch only on the rows no earlier branch took. NaN
  // and the infinities fail both range tests (DuckDB orders NaN above every number).
  return (
    `CASE WHEN abs(${x}) < 1e15 AND abs(${x}) >= 1e-3 AND ${x} <> trunc(${x}) THEN CAST(${x} AS VARCHAR) ` +
    `WHEN abs(${x}) < 1e15 AND ${x} = trunc(${x}) THEN CAST(CAST(${x} AS BIGINT) AS VARCHAR) ` +
    `WHEN isnan(${x}) THEN '"NaN"' WHEN isinf(${x}) THEN CASE WHEN ${x} > 0 THEN '"Infinity"' ELSE '"-Infinity"' END ` +
    `ELSE ${marker('D', `CAST(${x} AS VARCHAR)`)} END`
  );
}

/**
 * SQL true when the value `x` of `type` is or holds an integer past 2^53 (which jsonText quotes and
 * to_json does not), false or NULL otherwise; null when the type holds no integer. Tested on the
 * values: a search of the rendered text for 16 digits in a row cost a tenth of SELECT *'s rendering.
 */
function unsafeIntegerSql(x: string, type: DuckDBType, depth: number): string | null {
  if (INTEGERS.has(type.typeId)) return `NOT (${x} BETWEEN -9007199254740991 AND 9007199254740991)`;
  if (type instanceof DuckDBStructType) {
    const fields = type.entryNames.flatMap((name, i) => {
      const unsafe = unsafeIntegerSql(`struct_extract(${x}, ${quoteString(name)})`, type.entryTypes[i], depth + 1);
      return unsafe ? [`coalesce(${unsafe}, false)`] : [];
    });
    return fields.length > 0 ? `(${fields.join(' OR ')})` : null;
  }
  if (type instanceof DuckDBListType) {
    const e = `wshed_u${depth}`;
    const item = unsafeIntegerSql(e, type.valueType, depth + 1);
    return item ? `list_bool_or(list_transform(${x}, lambda ${e}: coalesce(${item}, false)))` : null;
  }
  return null;
}

function orNull(x: string, text: string): string {
  return `CASE WHEN ${x} IS NULL THEN 'null' ELSE ${text} END`;
}

/**
 * One SELECT wrapped so DuckDB returns one VARCHAR per row: the row as a JSON object whose keys
 * are the column names in order. Null when a column's type has no exact rendering, or two names
 * are equal ignoring case (the JSON keys would then be renamed `a_2`: left to output.ts).
 *
 * Each row is first rendered the fast way: to_json for strings and for structs and lists of
 * strings, booleans and integers, which is jsonText's text but for a `\u00XX` escape (DuckDB's
 * hex is upper-case) and integers past 2^53 (jsonText makes them strings). A row where either may
 * occur (the fast text holds `\u00`; an integer, at top level or nested, is out of range) is
 * rendered again piece by piece, as valueSql says.
 */
export function jsonLinesSql(sql: string, names: readonly string[], types: readonly DuckDBType[]): string | null {
  if (names.length === 0 || new Set(names.map((n) => n.toLowerCase())).size !== names.length) return null;
  const inner: string[] = [];
  const fast: string[] = [];
  const exact: string[] = [];
  const suspect: string[] = [];
  for (let i = 0; i < names.length; i++) {
    const type = types[i];
    const c = `wshed_c${i}`;
    const j = `wshed_j${i}`;
    inner.push(`wshed_rendered.${quoteIdent(names[i])} AS ${c}`);
    const key = quoteString((i === 0 ? '{' : ',') + JSON.stringify(names[i]) + ':');
    const plainText = type.typeId === DuckDBTypeId.VARCHAR && type.alias === undefined;
    const leaves = nestedLeaves(type);
    // A JSON text tested and then used is computed once, in the inner projection.
    if (plainText || leaves) inner.push(`CAST(to_json(wshed_rendered.${quoteIdent(names[i])}) AS VARCHAR) AS ${j}`);
    const value = valueSql(c, type, 0, plainText ? j : undefined);
    if (value === null) return null;
    const piece = orNull(c, value);
    exact.push(key, piece);
    if (plainText || leaves) fast.push(key, `coalesce(${j}, 'null')`);
    else if (INTEGERS.has(type.typeId)) fast.push(key, `coalesce(CAST(${c} AS VARCHAR), 'null')`);
    else fast.push(key, piece);
    const unsafe = leaves?.integers || INTEGERS.has(type.typeId) ? unsafeIntegerSql(c, type, 0) : null;
    if (unsafe) suspect.push(`coalesce(${unsafe}, false)`);
  }
  const through = names.flatMap((_, i) => [`wshed_c${i}`, ...(inner.some((x) => x.endsWith(` AS wshed_j${i}`)) ? [`wshed_j${i}`] : [])]);
  const body = sql.replace(/[\s;]+$/, '');
  const level1 = `SELECT ${inner.join(', ')} FROM (\n${body}\n) AS wshed_rendered`;
  const level2 = `SELECT ${[...through, `concat(${fast.join(', ')}, '}') AS wshed_fast`, `${suspect.length > 0 ? suspect.join(' OR ') : 'false'} AS wshed_suspect`].join(', ')} FROM (${level1}) AS wshed_values`;
  return `SELECT CASE WHEN wshed_suspect OR contains(wshed_fast, '\\u00') THEN concat(${exact.join(', ')}, '}') ELSE wshed_fast END AS wshed_line FROM (${level2}) AS wshed_lines`;
}

/** A line of the wrapped statement with its markers rendered: exactly what jsonText gives for the row. */
export function finishJsonLine(line: string): string {
  if (!line.includes('\x01')) return line;
  return line.replace(MARKER, (_m, kind: string, text: string) => {
    switch (kind) {
      case 'D':
        return jsonText(Number(text));
      case 'T':
        return jsonText(new DuckDBTimestampValue(BigInt(text)).toString());
      case 'U':
        return lowerHexEscapes(text);
      default:
        return jsonText({ kind: 'json', text: Buffer.from(text, 'base64').toString('utf8') });
    }
  });
}
