// The replay engine's public shapes: what runReplay needs (context, options) and what it returns
// (summary, preview records). Plain data; the CLI renders them and prints them as JSON.

import type { Origin, Watermark } from '../../consumer/metadata.ts';
import type { Plan } from '../../compiler/plan/types.ts';
import type { ShardInfo, StreamService } from '../kinesis/stream-service.ts';
import type { TargetRuntime } from '../target/target-runtime.ts';
import type { ReservoirStore } from '../reservoir/store.ts';
import type { ReplayCheckpointStore } from './checkpoint-store.ts';
import type { PartSpec } from './parts.ts';
import type { ReplayProgress } from './progress.ts';

export interface ReplayContext {
  /** Reads the source stream (its tips, live records); also writes the destination unless `destination` is set. */
  readonly streams: StreamService;
  /**
   * Writes the destination. Build it with the SDK's own retries off (maxAttempts 1): the replay
   * retries by itself, and only then does its retry budget and its count of possible duplicates
   * see every attempt.
   */
  readonly destination?: StreamService;
  /** The destination's shards, when it does not exist yet: a preview or dry run routes as if it had them. */
  readonly destinationShards?: readonly ShardInfo[];
  /** The reservoir's store: its archive checkpoint says where live records start. Null when it has none (Firehose). */
  readonly reservoir: ReservoirStore | null;
  /** The target runtime's SQL engine and stores (default: the embedded engine, the store at the archive input's location). */
  readonly sql?: Pick<TargetRuntime, 'openSqlEngine' | 'store'> & Partial<Pick<TargetRuntime, 'sql'>>;
  /**
   * The plan the step is from. A live-only replay on Drill reads its snapshot through the
   * reservoir's workspace, which its own step does not name (the reservoir views step does).
   */
  readonly plan?: Pick<Plan, 'steps'>;
  /** The watershed home: scratch space, and the checkpoints unless `checkpoints` says otherwise. */
  readonly home: string;
  /** Where the checkpoints and the run's lock live (TargetRuntime.replayCheckpoints); default `<home>/replays/`. */
  readonly checkpoints?: ReplayCheckpointStore;
  /**
   * DuckDB settings (target config `duckdb`); default 2 threads, 512MB. Peak RSS is about
   * memoryLimit + 200 MB: 1GB went to 1.15 GiB on a 5M-record compaction, 512MB to 0.72 GiB.
   */
  readonly duckdb?: { readonly threads?: number; readonly memoryLimit?: string };
  /** Retries per Kinesis record before the replay stops (target config `replay.maxRetries`, default 5). */
  readonly maxRetries?: number;
  /**
   * Where the parts of a split replay agree on their run (`ReplayOptions.part`): the reservoir's
   * store, also for a reservoir Firehose writes. Needed with `part` only.
   */
  readonly partsStore?: ReservoirStore;
}

export interface ReplayOptions {
  /** Computes the first N records exactly as they would be emitted; emits nothing. */
  readonly preview?: number;
  /** Counts what would be sent (records, Kinesis records after aggregation, bytes); emits nothing. */
  readonly dryRun?: boolean;
  /** Continues the unfinished run from its checkpoint (same replay id, watermark and SQL). */
  readonly resume?: boolean;
  /** Abandons the unfinished run (its records stay sent) and starts a new one with this step. */
  readonly restart?: boolean;
  /** An unfinished run is resumed rather than refused (what `wshed run` does: it brings replays up to date). */
  readonly resumeUnfinished?: boolean;
  /**
   * Replays the whole slice under a new id even when a completed run of it exists; without it a
   * run of an unchanged replay emits only what entered its slice after the last run's cut, and a
   * changed replay is refused (WS761) with what changed.
   */
  readonly again?: boolean;
  /** The instant the step's relative times were resolved against (the plan's `now`): a moved `7d ago` is no change. */
  readonly compiledAt?: string;
  /** How the user invoked it, so hints name commands that work (default `wshed replay FILE NAME`). */
  readonly invokedAs?: { readonly file: string; readonly command: 'replay' | 'run'; /** Options the commands must repeat: `--target aws`, `--conf F`, `--engine E`. */ readonly flags?: readonly string[] };
  /** Things the user should know that do not stop the run (a resume whose file changed since it started). */
  readonly onNotice?: (text: string) => void;
  /** KPL aggregation; defaults to the plan (on unless `aggregate off`). */
  readonly aggregate?: boolean;
  /** Called at each phase and after each batch. Giving it also counts the SQL's rows first (for `total`): the query runs twice. */
  readonly onProgress?: (progress: ReplayProgress) => void;
  /** Stops after the batch in flight is acknowledged and checkpointed (error WS759). */
  readonly signal?: AbortSignal;
  /**
   * Emits only the records routed to the i-th of N groups of destination shards (`--part i/N`);
   * the parts agree on the run through `ReplayContext.partsStore`. Emitting runs only.
   */
  readonly part?: PartSpec;
}

export interface RateLimit {
  readonly by: 'rate' | 'shard-budget' | 'throttling';
  /** Time spent waiting on it (for throttling: backing off). */
  readonly waitedMs: number;
  /** The limit: records/s of the rate clause, or of one shard's budget; for throttling, throttled attempts. */
  readonly value: number;
}

export interface PreviewRecord {
  readonly partitionKey: string;
  /** Null: the replay routes by partition key. */
  readonly explicitHashKey: string | null;
  /** The destination shard the record would go to. */
  readonly shardId: string;
  /** The record data as UTF-8 text (JSON; annotated when it is an object). */
  readonly data: string;
  readonly origin: Origin;
}

export interface ReplaySummary {
  readonly replay: string;
  readonly replayId: string;
  readonly into: string;
  readonly mode: 'emit' | 'preview' | 'dry-run';
  /** Rows of the SQL result this run processed (a resumed run skips those before its checkpoint). */
  readonly records: number;
  /** User records acknowledged by Kinesis (each once, however often it was sent). */
  readonly emitted: number;
  /** Kinesis records acknowledged, or that would be sent in a dry run (an aggregate counts once). */
  readonly kinesisRecords: number;
  /** Bytes (data + partition keys) acknowledged, or that would be sent in a dry run. */
  readonly bytes: number;
  /** PutRecords entries that failed, counting each attempt (failed entries and entries of failed calls). */
  readonly failedAttempts: number;
  /** Entries sent again after a failure. */
  readonly retried: number;
  /** Marker records acknowledged (one per open destination shard, before the run's first record), not counted above. */
  readonly markers: { readonly records: number; readonly bytes: number };
  /** User records sent again after a failure that may have written them (5xx, dropped connection): at most this many duplicates. */
  readonly duplicatesPossible: number;
  /** Records whose payload is not a JSON object: replayed unchanged, without annotations. */
  readonly nonObjectRecords: number;
  /** Records without the partition-key field (or with an unusable value): sent with their original key. */
  readonly partitionKeyFallbacks: number;
  /** Rows after the watermark (archived while the replay ran): left to the live stream. */
  readonly pastWatermark: number;
  readonly durationMs: number;
  /** User records acknowledged (or prepared, without emitting) per second. */
  readonly ratePerSecond: number;
  /** Rows already acknowledged by the run this one resumed; null for a fresh run. */
  readonly resumedFrom: number | null;
  /** The completed run this one brought up to date; null when it replayed the whole slice. */
  readonly upToDateFrom: { readonly replayId: string; readonly completedAt: string } | null;
  /** Rows of the slice left out because the run in upToDateFrom emitted them already. */
  readonly alreadyReplayed: number;
  /** Nothing entered the slice since upToDateFrom: nothing was sent, the checkpoint is unchanged. */
  readonly upToDate: boolean;
  /** What held the rate down, most waiting first: the `rate` clause, the shards' budget, throttling. */
  readonly limitedBy: readonly RateLimit[];
  readonly watermark: Watermark;
  /** The checkpoint file, when emitting. */
  readonly checkpoint: string | null;
  /** The first N records as they would be emitted (preview only). */
  readonly preview?: readonly PreviewRecord[];
  /** A part of a split run: which, its parts run, its shards, and the slice's records the other parts send. */
  readonly part: ReplayPartSummary | null;
}

export interface ReplayPartSummary {
  readonly index: number;
  readonly count: number;
  readonly generation: number;
  readonly shards: readonly string[];
  /** Records of the slice routed to the other parts' shards: sent by them, not by this part. */
  readonly otherParts: number;
}
