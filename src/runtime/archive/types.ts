// What an archive run takes and returns: options, progress reports and the result (plain data).

import type { ShardLoss } from './data-loss.ts';

export interface ArchiveOptions {
  /** Archive what the stream still holds even if records may be missing (see data-loss.ts). */
  readonly acceptDataLoss?: boolean;
  /** A reservoir file is closed after this many user records (default 100,000)… */
  readonly maxRecordsPerFile?: number;
  /** …or this many bytes of NDJSON (default 64 MiB), or when the partition changes. */
  readonly maxBytesPerFile?: number;
  /** Shards archived at the same time (default 4). */
  readonly shardConcurrency?: number;
  /** Records per GetRecords call (default 2,000). */
  readonly pageSize?: number;
  readonly onProgress?: (progress: ArchiveProgress) => void;
  /** Stops the run; the open chunk is discarded, committed files and checkpoint stay. */
  readonly signal?: AbortSignal;
  /** Folder that a relative local reservoir path is relative to (default: the process's). */
  readonly cwd?: string;
  /** DuckDB settings for Parquet conversion. */
  readonly duckdb?: { readonly threads?: number; readonly memoryLimit?: string };
  /** How long the archive lease lasts without renewal (default 60 s; renewed every third of it). */
  readonly leaseTtlMs?: number;
  /** The clock (tests move it to simulate retention). */
  readonly now?: () => Date;
}

export interface ArchiveProgress {
  readonly reservoir: string;
  /** User records written so far in this run (quarantined included). */
  readonly records: number;
  readonly quarantined: number;
  readonly files: number;
  readonly bytes: number;
  readonly elapsedMs: number;
  readonly recordsPerSecond: number;
  /** The shard that just advanced. */
  readonly shardId: string;
  readonly shardsDone: number;
}

export interface ShardArchiveResult {
  readonly shardId: string;
  readonly records: number;
  readonly quarantined: number;
  readonly files: number;
  readonly bytes: number;
  /** Checkpoint before and after this run (null: nothing archived yet). */
  readonly fromSequenceNumber: string | null;
  readonly toSequenceNumber: string | null;
  /** Closed and fully archived. */
  readonly finished: boolean;
}

export interface ArchiveResult {
  readonly reservoir: string;
  readonly stream: string;
  readonly location: string;
  /** User records archived in this run, quarantined ones included. */
  readonly records: number;
  readonly quarantined: number;
  /** Files published in this run (data and quarantine). */
  readonly files: number;
  /** Shards read in this run. */
  readonly shards: number;
  readonly bytes: number;
  readonly durationMs: number;
  readonly perShard: Readonly<Record<string, ShardArchiveResult>>;
  /** Possible losses that were accepted with `acceptDataLoss` (empty otherwise). */
  readonly acceptedLosses: readonly ShardLoss[];
  /** Commits a previous run left in flight: adopted (they had completed) or rolled back. */
  readonly recovered: { readonly adopted: number; readonly rolledBack: number };
}
