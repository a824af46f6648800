// DuckDB, the local engine: reads a reservoir's archived files and its live records from relations
// the runtime binds by name; the payload is DuckDB's JSON type, addressed with JSON Pointers.

import type { ColumnType } from '../../record-layout.ts';
import type { ColumnRef, JsonValueType, SqlExpr } from '../ast.ts';
import { bin, call, cast, str } from '../ast.ts';
import type { Dialect } from '../dialect.ts';

/** Schema of the table the runtime fills with live records: `wshed_live."<reservoir>"`, RECORD_COLUMNS. */
export const DUCKDB_LIVE_SCHEMA = 'wshed_live';

/** The relation a reservoir's archived files are read from: `wshed_archive_<reservoir>` (the record layout and partition columns). */
export const duckdbArchiveRelation = (reservoir: string): string => `wshed_archive_${reservoir}`;

/** Keywords DuckDB does not accept as bare column names (`duckdb_keywords()`, all but 'unreserved'). */
const KEYWORDS =
  'all analyse analyze and any array as asc asymmetric both case cast check collate column constraint create ' +
  'default deferrable desc describe distinct do else end except false fetch for foreign from group having in ' +
  'initially intersect into lambda lateral leading limit not null offset on only or order pivot pivot_longer ' +
  'pivot_wider placing primary qualify references returning select show some summarize symmetric table then to ' +
  'trailing true union unique unpivot using variadic when where window with ' +
  'between bigint bit boolean char character coalesce dec decimal exists extract float grouping grouping_id inout ' +
  'int integer interval national nchar none nullif numeric out overlay position precision real row setof smallint ' +
  'substring time timestamp treat trim values varchar xmlattributes xmlconcat xmlelement xmlexists xmlforest ' +
  'xmlnamespaces xmlparse xmlpi xmlroot xmlserialize xmltable ' +
  'anti asof at authorization binary by collation columns concurrently cross freeze full generated glob ilike ' +
  'inner is isnull join left like map natural notnull outer overlaps positional right semi similar struct ' +
  'tablesample try_cast unpack verbose';

/** DuckDB's type for each column type of the record layout. */
export const DUCKDB_COLUMN_TYPES: Readonly<Record<ColumnType, string>> = { string: 'VARCHAR', integer: 'BIGINT', json: 'JSON' };

/**
 * A JSON Pointer (RFC 6901) for object keys. Chosen over `$."key"` paths because DuckDB reads a
 * quoted `"*"` there as a wildcard and has no documented escape for `"`; a pointer escapes every key
 * exactly (`~` → `~0`, `/` → `~1`), so any key text addresses exactly that key.
 */
export function jsonPointer(path: readonly string[]): string {
  if (path.length === 0) throw new Error('a payload path has at least one key');
  return path.map((key) => '/' + key.replaceAll('~', '~0').replaceAll('/', '~1')).join('');
}

function jsonValue(payload: ColumnRef, path: readonly string[], as: JsonValueType): SqlExpr {
  const pointer = str(jsonPointer(path));
  // json_extract_string is NULL both for a missing key and for a JSON null (json_extract is not).
  const text = call('json_extract_string', payload, pointer);
  switch (as) {
    case 'text':
    case 'presence':
      return text;
    case 'double':
      return cast(text, 'double', true);
    case 'boolean':
      // Only JSON true/false: TRY_CAST alone would also turn the strings "yes" and "t" into booleans.
      return {
        kind: 'case',
        whens: [{ when: bin('=', call('json_type', payload, pointer), str('BOOLEAN')), then: cast(text, 'boolean') }],
        otherwise: null,
      };
  }
}

export const duckdb: Dialect = {
  name: 'duckdb',
  identifierQuote: { open: '"', close: '"' },
  reservedWords: new Set(KEYWORDS.split(' ')),
  unquotableIdentifier: /^$/,
  types: { text: 'VARCHAR', bigint: 'BIGINT', double: 'DOUBLE', boolean: 'BOOLEAN', timestamp: 'TIMESTAMP' },
  functions: {
    lpad: { name: 'lpad' },
    replace: { name: 'replace' },
    lower: { name: 'lower' },
    coalesce: { name: 'coalesce' },
    // regexp_matches is a partial match in DuckDB; the portable meaning is a full match.
    regexp_matches: { name: 'regexp_full_match' },
    parse_json: { name: 'json' },
    json_extract: { name: 'json_extract' },
    json_extract_string: { name: 'json_extract_string' },
    json_type: { name: 'json_type' },
    json_encode: null,
    utf8_text: null,
    split_part: { name: 'split_part' },
    strpos: { name: 'strpos' },
    substr: { name: 'substr' },
    length: { name: 'length' },
  },
  supportsQualify: true,
  safeCast: 'TRY_CAST',
  payloadAcrossUnion: 'value',
  // read_json's JSON column holds the payload as JSON text already.
  payloadTextFromLines: false,
  textLines: null,
  partitionColumns: 'hive-columns',
  // NDJSON is read with payload typed JSON (columns=...); the live table holds JSON too.
  parseStoredPayload: { json: false, 'json-text': true, live: false },
  jsonValue,

  reservoirFiles(node, h) {
    // A name the runtime binds (src/runtime/query/duckdb-inputs.ts) to read_json/read_parquet over the
    // exact files it listed, or to an empty relation: a glob here would fail on an empty reservoir, be
    // relative to where `wshed` runs, and pick up files published after the live records were read.
    // Unqualified, so one query can bind it to several file sets at once with a CTE.
    return h.ident(duckdbArchiveRelation(node.reservoir));
  },

  liveTable(node) {
    return [DUCKDB_LIVE_SCHEMA, node.reservoir];
  },
};
