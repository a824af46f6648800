// Apache Drill, the engine on EMR: reads the reservoir through a file-system storage plugin and live
// records from a snapshot the runtime writes under the reservoir's `_wshed/live/`; the payload is a
// Drill map, reached as `t.payload.customer.region`.

import { partitionColumns } from '../../record-layout.ts';
import type { ColumnRef, JsonValueType, SqlExpr } from '../ast.ts';
import { cast } from '../ast.ts';
import type { Dialect } from '../dialect.ts';

// How Drill names what the SQL reads (the plugin configuration is made by another plan step and the
// live view by the runtime, src/runtime/drill/views.ts; they must agree with this):
//
// - The reservoir bucket is one file-system storage plugin (`type: "file"`, `connection: "s3a://<bucket>"`),
//   named by `SqlNaming.drillStoragePlugin`, with the `json` and `parquet` formats enabled. Each reservoir
//   is a workspace of it named after the reservoir, whose `location` is the reservoir's prefix.
// - The archived files are the table `` `<plugin>`.`<reservoir>`.`dt=*/hour=*/*.json` `` (daily:
//   `` `dt=*/*.json` ``; Parquet: `*.parquet`), a glob relative to the workspace. Drill takes the folder
//   before the first wildcard as the selection root, so `dir0` = `'dt=YYYY-MM-DD'` and `dir1` = `'hour=HH'`,
//   and it prunes folders on `dir0` bounds. The glob skips `*.tmp`; Drill also skips every file and folder
//   whose name starts with `_` or `.`, so `_quarantine/` and `_wshed/` are never read.
// - Live records are `` `wshed_live_<reservoir>` ``, unqualified: a view the runtime creates in the
//   session's default schema (the writable views workspace) over the live snapshot it wrote, NDJSON
//   in the record layout under `_wshed/live/<id>/` (docs/live-records.md). EMR's Hive table over the
//   stream cannot serve here: its Kinesis handler exposes no shard or sequence number to de-duplicate by.
// - A Parquet payload (JSON text) becomes a map with `CONVERT_FROM(payload, 'JSON')`; NDJSON files
//   and the snapshot are read as maps directly. Drill needs a table alias to reach into a map, hence `t.` everywhere.
// - A UNION ALL of map columns returns every map as `{}` (Drill 1.22), so the payload crosses the
//   archive + live union as JSON text and is parsed back after the de-duplication.
// - Drill reads all NDJSON files of a table with one schema: a payload field whose JSON type differs
//   between files reads as NULL unless the session sets `store.json.all_text_mode` (the runtime's
//   views do; the text casts here tolerate it).

/** The live relation's name, bound by the runtime to a view over its snapshot. */
export const drillLiveRelation = (reservoir: string): string => `wshed_live_${reservoir}`;

function jsonValue(payload: ColumnRef, path: readonly string[], as: JsonValueType): SqlExpr {
  if (path.length === 0) throw new Error('a payload path has at least one key');
  const value = path.reduce<SqlExpr>((base, name) => ({ kind: 'member', base, name }), payload);
  switch (as) {
    case 'presence':
      // A missing key and a JSON null are both NULL in a Drill map.
      return value;
    case 'text':
      return cast(value, 'text');
    case 'double':
      return cast(value, 'double', true);
    case 'boolean':
      return cast(value, 'boolean', true);
  }
}

export const drill: Dialect = {
  name: 'drill',
  identifierQuote: { open: '`', close: '`' },
  // Calcite reserves many words used here as names (`stream`, `hour`, `source`...): quote them all.
  reservedWords: 'all',
  // A back-quoted identifier cannot hold a line break in Calcite's grammar (nor be empty).
  unquotableIdentifier: /^$|[\r\n]/,
  // Without a length Drill's VARCHAR is VARCHAR(1) and truncates (Drill docs, "Data Type Conversion").
  types: { text: 'VARCHAR(65535)', bigint: 'BIGINT', double: 'DOUBLE', boolean: 'BOOLEAN', timestamp: 'TIMESTAMP' },
  functions: {
    lpad: { name: 'LPAD' },
    replace: { name: 'REPLACE' },
    lower: { name: 'LOWER' },
    coalesce: { name: 'COALESCE' },
    regexp_matches: { name: 'REGEXP_MATCHES' },
    parse_json: { name: 'CONVERT_FROM', trailingArgs: [{ kind: 'literal', value: { type: 'string', value: 'JSON' } }] },
    json_extract: null,
    json_extract_string: null,
    json_type: null,
    json_encode: { name: 'CONVERT_TO', trailingArgs: [{ kind: 'literal', value: { type: 'string', value: 'JSON' } }] },
    utf8_text: { name: 'CONVERT_FROM', trailingArgs: [{ kind: 'literal', value: { type: 'string', value: 'UTF8' } }] },
    split_part: { name: 'SPLIT_PART' },
    strpos: { name: 'STRPOS' },
    substr: { name: 'SUBSTR' },
    length: { name: 'LENGTH' },
  },
  // Drill 1.21.1+ parses QUALIFY, but over the archive + live union 1.22 fails in Calcite
  // ("RexInputRef cannot be cast to class java.lang.Comparable"): the printer's ROW_NUMBER subquery runs.
  supportsQualify: false,
  safeCast: null,
  payloadAcrossUnion: 'json-text',
  payloadTextFromLines: true,
  // The text reader with delimiter, quote, escape and comment characters that never occur in a
  // reservoir line (control characters are escaped inside JSON strings, and a line has no other
  // place for them): each line is one field, whole, however long (1 MiB lines read fine).
  textLines: {
    print: (relation) =>
      `table(${relation}(type => 'text', fieldDelimiter => U&'\\0001', quote => U&'\\0002', escape => U&'\\0002', comment => U&'\\0003', extractHeader => false))`,
    column: 'columns',
  },
  partitionColumns: 'directory-levels',
  parseStoredPayload: { json: false, 'json-text': true, live: false },
  jsonValue,

  reservoirFiles(node, h) {
    const glob = `${partitionColumns(node.partition).map((p) => `${p}=*/`).join('')}*.${node.format}`;
    return [node.storagePlugin, node.reservoir, glob].map((part) => h.ident(part)).join('.');
  },

  liveTable(node) {
    return [drillLiveRelation(node.reservoir)];
  },
};
