// Apache Drill, the engine on EMR: reads the reservoir through a file-system storage plugin and live
// records through its Hive plugin; the payload is a Drill map, reached as `t.payload.customer.region`.

import { partitionColumns } from '../../record-layout.ts';
import type { ColumnRef, JsonValueType, SqlExpr } from '../ast.ts';
import { cast } from '../ast.ts';
import type { Dialect } from '../dialect.ts';

// How Drill names what the SQL reads (the plugin configuration and the Hive table are made by other
// plan steps; they must agree with this):
//
// - The reservoir bucket is one file-system storage plugin (`type: "file"`, `connection: "s3a://<bucket>"`),
//   named by `SqlNaming.drillStoragePlugin`, with the `json` and `parquet` formats enabled. Each reservoir
//   is a workspace of it named after the reservoir, whose `location` is the reservoir's prefix.
// - The archived files are the table `` `<plugin>`.`<reservoir>`.`dt=*/hour=*/*.json` `` (daily:
//   `` `dt=*/*.json` ``; Parquet: `*.parquet`), a glob relative to the workspace. Drill takes the folder
//   before the first wildcard as the selection root, so `dir0` = `'dt=YYYY-MM-DD'` and `dir1` = `'hour=HH'`,
//   and it prunes folders on `dir0` bounds. The glob skips `*.tmp`; Drill also skips every file and folder
//   whose name starts with `_` or `.`, so `_quarantine/` is never read.
// - Live records are the Hive table `` `hive`.`<hiveDatabase>`.`<stream>_live` `` seen through Drill's Hive
//   storage plugin, which must be named `hive`; it has the RECORD_COLUMNS with `payload` as JSON text.
// - A Parquet or live payload (JSON text) becomes a map with `CONVERT_FROM(payload, 'JSON')`; NDJSON
//   files are read as maps directly. Drill needs a table alias to reach into a map, hence `t.` everywhere.
// - Drill reads all NDJSON files of a table with one schema: a payload field must keep one JSON type
//   across records (or the plugin sets `store.json.all_text_mode`, which the text casts here tolerate).
export const DRILL_HIVE_PLUGIN = 'hive';

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
  },
  supportsQualify: false,
  safeCast: null,
  partitionColumns: 'directory-levels',
  parseStoredPayload: { json: false, 'json-text': true, live: true },
  jsonValue,

  reservoirFiles(node, h) {
    const glob = `${partitionColumns(node.partition).map((p) => `${p}=*/`).join('')}*.${node.format}`;
    return [node.storagePlugin, node.reservoir, glob].map((part) => h.ident(part)).join('.');
  },

  liveTable(node) {
    return [DRILL_HIVE_PLUGIN, node.hiveDatabase, `${node.stream}_live`];
  },
};
