// The Hive table over a live Kinesis stream, which Drill reads through its hive plugin for the
// exploration view `<stream>_stream`. The DDL targets EMR's Kinesis connector (the emr-kinesis
// component that EMR installs with Hive).

/**
 * `<stream>_live`, the Hive table `<stream>_stream` reads (`hive`.`<database>`.`<stream>_live`).
 * Stream names are identifiers, so the name is a valid Hive table name.
 */
export function liveTableName(stream: string): string {
  return `${stream}_live`;
}

const quoteIdent = (name: string) => `\`${name.replace(/`/g, '``')}\``;
const quoteString = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/**
 * One CREATE statement, without a trailing ';' (HiveServer2 takes one statement per call).
 * What is assumed, and said in the DDL for whoever reads it on the cluster:
 * - the handler gives each Kinesis record's data to the SerDe as one row, and exposes none of the
 *   record's metadata (shard, sequence number, partition key, arrival time) as columns;
 * - so the table has one column, `payload`, the record data as JSON text. LazySimpleSerDe splits
 *   fields on \u0001, which valid JSON text never contains, so the whole record is that column;
 * - without kinesis.checkpoint.* settings every query reads the stream from its trim horizon;
 * - a JSON SerDe (org.apache.hive.hcatalog.data.JsonSerDe) maps JSON keys to declared columns, so
 *   it cannot keep a record whose fields are not known when the plan is made: the JSON fields are
 *   reached through that one column instead (Drill: CONVERT_FROM(payload, 'JSON'); Hive:
 *   get_json_object), and install-drill.sh puts EMR's JSON SerDe on Drill's classpath for tables
 *   users declare with it.
 * The reservoir views do not read this table (it has no shard or sequence number to count records
 * once by): they read a snapshot of the stream (docs/live-records.md). It backs `<stream>_stream`.
 */
export function hiveLiveTableDdl(database: string, table: string, stream: string, region: string): string {
  return [
    `-- Live records of Kinesis stream ${quoteString(stream)} via EMR's Kinesis connector.`,
    '-- Assumed: the handler exposes only the record data (no shard, sequence number, partition',
    '-- key or arrival time), so the one column holds the record data as JSON text.',
    `CREATE EXTERNAL TABLE IF NOT EXISTS ${quoteIdent(database)}.${quoteIdent(table)} (`,
    `  ${quoteIdent('payload')} STRING`,
    ')',
    "ROW FORMAT DELIMITED FIELDS TERMINATED BY '\\001'",
    "STORED BY 'com.amazon.emr.kinesis.hive.KinesisStorageHandler'",
    `TBLPROPERTIES ('kinesis.stream.name' = ${quoteString(stream)}, 'kinesis.endpoint.region' = ${quoteString(region)})`,
  ].join('\n');
}

/** The one column of the Hive table: what Drill SQL over it may read. */
export const HIVE_LIVE_COLUMNS = ['payload'] as const;

/** `<stream>_stream`, the Drill view over the whole stream as Hive sees it. */
export function streamViewName(stream: string): string {
  return `${stream}_stream`;
}

/**
 * The Drill view for exploring a stream as Hive sees it (in the plugin's writable views
 * workspace). It has no metadata: no shard, sequence number, partition key or arrival time, and no
 * de-duplication; each query reads the whole stream from its trim horizon, and the Drillbits read
 * Kinesis directly through the handler. The reservoir views are what counts records once.
 */
export function drillStreamViewSql(viewsWorkspace: readonly [string, string], database: string, table: string, stream: string): string {
  const ident = (n: string) => `\`${n.replace(/`/g, '``')}\``;
  return [
    `-- The whole Kinesis stream '${stream}' as Hive sees it: record data only, no metadata, no de-duplication.`,
    `CREATE OR REPLACE VIEW ${ident(viewsWorkspace[0])}.${ident(viewsWorkspace[1])}.${ident(streamViewName(stream))} AS`,
    `SELECT CONVERT_FROM(t.${ident(HIVE_LIVE_COLUMNS[0])}, 'JSON') AS ${ident('payload')}`,
    `FROM ${ident('hive')}.${ident(database)}.${ident(table)} AS t`,
  ].join('\n');
}
