// The replay metadata object that watershed adds to every replayed JSON record (under
// REPLAY_METADATA_FIELD, `_wshed`). Producers of it: the replay engine; readers: consumers using
// this library. The shape is part of watershed's public contract — change it only with a version.

/** Where a record first entered Kinesis: its position in the source stream. */
export interface Origin {
  readonly stream: string;
  readonly shard_id: string;
  /** Decimal string; Kinesis sequence numbers exceed 64 bits. */
  readonly sequence_number: string;
  /** Index inside a KPL aggregate; 0 when the record was not aggregated. */
  readonly sub_sequence_number: number;
  /** ISO-8601 UTC with milliseconds (the reservoir's arrival_time). */
  readonly arrival_time: string;
}

/**
 * The source stream's position when the replay started, per shard: the sequence number of the
 * last record each open shard held then (absent for shards that were empty or closed; consumers
 * treat an absent shard conservatively, see docs/consistency.md). Every replayed record is
 * at or before this watermark; every record after it reaches consumers through the live stream.
 */
export interface Watermark {
  readonly captured_at: string;
  readonly shards: Readonly<Record<string, string>>;
}

export interface ReplayMetadata {
  /** Format version of this object. */
  readonly v: 1;
  readonly replay_id: string;
  readonly replay: string;
  readonly origin: Origin;
  readonly watermark: Watermark;
}

export const REPLAY_METADATA_VERSION = 1;
