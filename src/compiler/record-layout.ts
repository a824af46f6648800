// The reservoir record layout: the one definition of how an archived Kinesis record is stored.
// The archiver writes it, the SQL reads it, the replay emits from it. Change it here or nowhere.

/** Metadata names addressable in .wshed files with an '@' prefix. */
export const METADATA_FIELDS = [
  'stream',
  'shard_id',
  'sequence_number',
  'sub_sequence_number',
  'partition_key',
  'arrival_time',
] as const;

export type MetadataField = (typeof METADATA_FIELDS)[number];

export function isMetadataField(name: string): name is MetadataField {
  return (METADATA_FIELDS as readonly string[]).includes(name);
}

export type ColumnType = 'string' | 'integer' | 'json';

export interface RecordColumn {
  readonly name: string;
  readonly type: ColumnType;
  readonly description: string;
}

/**
 * One line of a reservoir file (NDJSON) or one row of a Parquet file, in this column order.
 *
 * - `arrival_time` is always written as `Date.toISOString()` (UTC, millisecond, fixed width), so
 *   comparing it as text orders it as time in every SQL dialect.
 * - `sequence_number` is a decimal string (Kinesis sequence numbers exceed 64 bits); order it with
 *   `SEQUENCE_SORT_WIDTH`-wide left zero padding.
 * - `sub_sequence_number` is the index of a user record inside a KPL aggregate, 0 for plain records.
 * - `payload` is the record's data parsed as JSON (any JSON value). In Parquet it is JSON text.
 */
export const RECORD_COLUMNS: readonly RecordColumn[] = [
  { name: 'stream', type: 'string', description: 'name of the Kinesis stream the record was read from' },
  { name: 'shard_id', type: 'string', description: 'shard id, e.g. shardId-000000000001' },
  { name: 'sequence_number', type: 'string', description: 'Kinesis sequence number (decimal string)' },
  { name: 'sub_sequence_number', type: 'integer', description: 'position inside a KPL aggregate (0 if not aggregated)' },
  { name: 'partition_key', type: 'string', description: 'the partition key the producer sent' },
  { name: 'arrival_time', type: 'string', description: 'approximate arrival time, ISO-8601 UTC with milliseconds' },
  { name: 'payload', type: 'json', description: 'the record data, parsed as JSON' },
];

/** Records whose data is not valid JSON go to the quarantine area instead, with their raw bytes. */
export const QUARANTINE_COLUMNS: readonly RecordColumn[] = [
  ...RECORD_COLUMNS.filter((c) => c.name !== 'payload'),
  { name: 'raw_base64', type: 'string', description: 'the record data exactly as received, base64' },
  { name: 'error', type: 'string', description: 'why the data could not be parsed' },
];

/** A record as the archiver writes it (one NDJSON line). */
export interface ReservoirRecord {
  readonly stream: string;
  readonly shard_id: string;
  readonly sequence_number: string;
  readonly sub_sequence_number: number;
  readonly partition_key: string;
  readonly arrival_time: string;
  readonly payload: unknown;
}

export interface QuarantineRecord extends Omit<ReservoirRecord, 'payload'> {
  readonly raw_base64: string;
  readonly error: string;
}

/** Left zero padding that makes decimal sequence numbers sort as numbers when compared as text. */
export const SEQUENCE_SORT_WIDTH = 64;

export type PartitionScheme = 'hourly' | 'daily';
export type ReservoirFormat = 'json' | 'parquet';

/** Folder of a record inside the reservoir, by arrival time: Hive-style so engines can prune. */
export function partitionPath(scheme: PartitionScheme, arrivalTime: Date): string {
  const iso = arrivalTime.toISOString();
  const dt = iso.slice(0, 10);
  return scheme === 'hourly' ? `dt=${dt}/hour=${iso.slice(11, 13)}` : `dt=${dt}`;
}

/** Partition columns that the path adds (all text). */
export function partitionColumns(scheme: PartitionScheme): readonly string[] {
  return scheme === 'hourly' ? ['dt', 'hour'] : ['dt'];
}

export const QUARANTINE_FOLDER = '_quarantine';
export const FILE_EXTENSION: Record<ReservoirFormat, string> = { json: 'json', parquet: 'parquet' };

/** The metadata object that replay adds to each emitted JSON record (see docs/consistency.md). */
export const REPLAY_METADATA_FIELD = '_wshed';
