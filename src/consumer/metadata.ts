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
 * Version 2 stores it once per replay run — in a marker record on every destination shard and in
 * a file beside the reservoir — rather than in every record.
 */
export interface Watermark {
  readonly captured_at: string;
  readonly shards: Readonly<Record<string, string>>;
}

/**
 * The replay metadata of one replayed record, as the library hands it out. On the wire (version
 * 2) it is `{"v":2,"replay_id":"…","origin":[stream, shard_id, sequence_number,
 * sub_sequence_number, arrival_time]}`: the origin as a tuple keeps the overhead per record under
 * 200 bytes whatever the shard count. Version 1 records also carried `replay` and `watermark`.
 */
export interface ReplayMetadata {
  /** Format version of the record's `_wshed` object. */
  readonly v: 1 | 2;
  readonly replay_id: string;
  readonly origin: Origin;
  /** The replay's name (version 1 records only; version 2 has it in the marker). */
  readonly replay?: string;
  /** The run's watermark (version 1 records only; version 2 has it in the marker). */
  readonly watermark?: Watermark;
}

/**
 * What a replay run says once about itself, before its first record on every destination shard
 * (a marker record whose JSON is just `{"_wshed": ReplayMarker}`) and in the reservoir's
 * `_wshed/replays/<replay_id>.json`. A consumer keeps the watermark of each replay id it meets.
 */
export interface ReplayMarker {
  readonly v: 2;
  readonly marker: 'replay-run';
  readonly replay_id: string;
  readonly replay: string;
  /** The source stream (every origin's stream) and the destination stream. */
  readonly stream: string;
  readonly into: string;
  readonly watermark: Watermark;
  /** The completed run this one brought up to date (it emitted only what entered the slice since), or null. */
  readonly after_replay_id: string | null;
  readonly started_at: string;
}

export const REPLAY_METADATA_VERSION = 2;

/** Where a reservoir keeps the marker of each replay run that read it (a path inside the reservoir). */
export function replayMarkerPath(replayId: string): string {
  return `_wshed/replays/${replayId}.json`;
}
