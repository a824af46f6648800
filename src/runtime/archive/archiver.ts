// Executes an ArchiveStep: drains every shard of the stream, from its checkpoint to the tip, into
// reservoir files, exactly once across crashes. Parents are archived to their end before their
// children; a checkpoint the stream no longer holds stops the run unless the loss is accepted.

import type { ArchiveStep } from '../../compiler/plan/types.ts';
import { readShard, type ShardReadEnd } from '../kinesis/shard-reader.ts';
import type { ShardInfo, ShardPosition, StreamService } from '../kinesis/stream-service.ts';
import { emptyCheckpoint, readArchiveCheckpoint, CHECKPOINT_PATH } from '../reservoir/checkpoint.ts';
import { isDataFile, isQuarantineFile } from '../reservoir/file-names.ts';
import { leasePath, takeLease } from '../reservoir/lease.ts';
import { openReservoirStore } from '../reservoir/open-store.ts';
import type { ReservoirStore } from '../reservoir/store.ts';
import { RuntimeError } from '../runtime-error.ts';
import { worldFailure } from '../world-failure.ts';
import { CheckpointKeeper, later, settlePendingCommits } from './checkpoint-keeper.ts';
import { ChunkWriter } from './chunk-writer.ts';
import { checkForLoss, describeLosses, type ShardLoss } from './data-loss.ts';
import { ParquetWriter } from './parquet.ts';
import type { SqlEngine, SqlEngineRequest } from '../query/sql-engine.ts';
import { openEmbeddedSqlEngine } from '../target/embedded-sql.ts';
import type { ArchiveOptions, ArchiveResult, ShardArchiveResult } from './types.ts';

export interface ArchiveDeps {
  readonly streams: StreamService;
  /** Defaults to the store of the step's location. */
  readonly store?: ReservoirStore;
  /** The target runtime's SQL engine, for Parquet conversion (default: the embedded engine). */
  readonly openSqlEngine?: (request: SqlEngineRequest) => Promise<SqlEngine>;
}

/** The run stopped because records may be missing; `losses` says where and how much. */
export class ArchiveDataLossError extends RuntimeError {
  constructor(
    reservoir: string,
    details: string,
    readonly losses: readonly ShardLoss[],
  ) {
    super('WS731', { reservoir, details });
  }
}

// Pages of 2,000 records: each GetRecords answer is read by the SDK into one string and buffers
// that only V8's full collections free, so the page size sets how much garbage the heap piles up
// between them (1M records into S3, the CLI: pages of 10,000 past 400 MiB of RSS, 5,000 ~330 MiB,
// 2,000 ~315 MiB, at about the same speed). At Kinesis's 5 calls a second per shard, 2,000 is
// still ten times a shard's write rate of 1,000 records a second.
const DEFAULTS = { maxRecordsPerFile: 100_000, maxBytesPerFile: 64 * 1024 * 1024, shardConcurrency: 4, pageSize: 2_000 };

export async function archiveReservoir(step: ArchiveStep, deps: ArchiveDeps, options: ArchiveOptions = {}): Promise<ArchiveResult> {
  if (step.via !== 'archiver') throw new RuntimeError('WS725', { reservoir: step.reservoir, via: step.via });
  const store = deps.store ?? openReservoirStore(step.reservoir, step.location, options.cwd);
  const attempt = await takeLease(store, 'archive', options.leaseTtlMs ? { ttlMs: options.leaseTtlMs } : {}).catch(async (err) => {
    throw (await archiveFailure(err, step, store)) ?? err;
  });
  if (!attempt.ok) {
    const { owner, renewedAt, expiresAt } = attempt.holder;
    throw new RuntimeError('WS722', { reservoir: step.reservoir, owner, renewedAt, expiresAt, lease: `${store.location}/${leasePath('archive')}` });
  }
  let parquet: Promise<ParquetWriter> | null = null;
  try {
    await store.clearStaging();
    const lease = attempt.lease;
    return await new ArchiveRun(step, deps.streams, store, options, () => (parquet ??= ParquetWriter.open(deps.openSqlEngine ?? ((request) => openEmbeddedSqlEngine({}, request)), options.duckdb)), () => lease.assertHeld()).run();
  } catch (err) {
    throw (await archiveFailure(err, step, store)) ?? err;
  } finally {
    if (parquet) await (await (parquet as Promise<ParquetWriter>).catch(() => null))?.close();
    // Nothing is in flight any more: what is still staged (a failed chunk's files) goes.
    await store.clearStaging().catch(() => {});
    await attempt.lease.release();
  }
}

/**
 * A full disk, a Kinesis service that went away or a refused permission, as one coded line. The
 * commit protocol already kept the checkpoint at the last committed chunk; on a full disk the
 * chunk's staged files are removed too, to give their space back.
 */
async function archiveFailure(err: unknown, step: ArchiveStep, store: ReservoirStore): Promise<RuntimeError | null> {
  const failure = worldFailure(err, {
    during: `archiving stream '${step.stream}' into reservoir '${step.reservoir}'`,
    location: store.location,
    service: 'the Kinesis service',
    kept: 'every record committed before stays archived, and the checkpoint has not moved past it',
    again: 'run the archive again: it goes on from its checkpoint and writes no record twice',
  });
  if (failure?.code === 'WS732') await store.clearStaging().catch(() => {});
  return failure;
}

interface ShardTally {
  records: number;
  quarantined: number;
  files: number;
  bytes: number;
  from: string | null;
  to: string | null;
  finished: boolean;
}

class ArchiveRun {
  private readonly now: () => Date;
  private readonly started = Date.now();
  private readonly tally = new Map<string, ShardTally>();
  private readonly totals = { records: 0, quarantined: 0, files: 0, bytes: 0 };
  private readonly abort = new AbortController();
  private keeper!: CheckpointKeeper;
  private shardsDone = 0;

  constructor(
    private readonly step: ArchiveStep,
    private readonly streams: StreamService,
    private readonly store: ReservoirStore,
    private readonly options: ArchiveOptions,
    private readonly parquet: () => Promise<ParquetWriter>,
    /** Throws unless the archive lease is still ours: called before every write. */
    private readonly leaseHeld: () => void,
  ) {
    this.now = options.now ?? (() => new Date());
    options.signal?.addEventListener('abort', () => this.abort.abort(options.signal?.reason), { once: true });
  }

  async run(): Promise<ArchiveResult> {
    const { step, streams, store } = this;
    const tipAt = this.now();
    const saved = await readArchiveCheckpoint(store);
    if (saved && saved.stream !== step.stream) {
      throw new RuntimeError('WS724', { reservoir: step.reservoir, found: saved.stream, stream: step.stream });
    }
    if (!saved && (await holdsArchivedFiles(store))) {
      throw new RuntimeError('WS723', { reservoir: step.reservoir, root: store.location, checkpoint: CHECKPOINT_PATH });
    }
    const description = await streams.describeStream(step.stream);
    if (!description) throw new RuntimeError('WS711', { stream: step.stream });
    this.keeper = new CheckpointKeeper(store, saved ?? emptyCheckpoint(step.reservoir, step.stream, description.createdAt), this.leaseHeld);
    const recovered = saved ? await settlePendingCommits(store, this.keeper, this.leaseHeld) : { adopted: 0, rolledBack: 0 };

    let shards = await streams.listShards(step.stream);
    let acceptedLosses: readonly ShardLoss[] = [];
    if (saved) {
      const check = await checkForLoss(streams, this.keeper.current, description, shards, this.now());
      if (check.losses.length > 0 && !this.options.acceptDataLoss) {
        throw new ArchiveDataLossError(step.reservoir, describeLosses(step.stream, check.losses), check.losses);
      }
      acceptedLosses = check.losses;
      this.applyLossCheck(check.losses, check.restartFromTrimHorizon, description.createdAt, shards);
      await this.keeper.save();
    }

    const readThisRun = new Set<string>();
    for (;;) {
      const present = new Set(shards.map((s) => s.shardId));
      const ready = shards.filter((s) => {
        if (this.keeper.shard(s.shardId)?.finished) return false;
        if (readThisRun.has(s.shardId) && s.sequenceRange.end === null) return false;
        return parentsOf(s).every((p) => this.keeper.shard(p)?.finished || !present.has(p));
      });
      if (ready.length === 0) break;
      await this.inParallel(ready, async (shard) => {
        await this.archiveShard(shard, tipAt);
        readThisRun.add(shard.shardId);
      });
      shards = await streams.listShards(step.stream);
    }

    const perShard: Record<string, ShardArchiveResult> = {};
    for (const [shardId, t] of this.tally) {
      perShard[shardId] = {
        shardId,
        records: t.records,
        quarantined: t.quarantined,
        files: t.files,
        bytes: t.bytes,
        fromSequenceNumber: t.from,
        toSequenceNumber: t.to,
        finished: t.finished,
      };
    }
    return {
      reservoir: step.reservoir,
      stream: step.stream,
      location: store.location,
      ...this.totals,
      shards: this.tally.size,
      durationMs: Date.now() - this.started,
      perShard,
      acceptedLosses,
      recovered,
    };
  }

  /** Moves the checkpoint past losses the caller accepted. */
  private applyLossCheck(losses: readonly ShardLoss[], restart: ReadonlySet<string>, createdAt: Date, shards: readonly ShardInfo[]): void {
    const current = this.keeper.current;
    if (createdAt.toISOString() !== current.streamCreatedAt) {
      // A new stream: its sequence numbers start over; the old files stay as they are.
      this.keeper.replace(emptyCheckpoint(this.step.reservoir, this.step.stream, createdAt));
      return;
    }
    for (const loss of losses) {
      const entry = current.shards[loss.shardId];
      this.keeper.setShard(loss.shardId, {
        sequenceNumber: null,
        arrivalTime: entry?.arrivalTime ?? null,
        seenUpTo: later(entry?.seenUpTo ?? null, loss.to),
        finished: loss.reason === 'shard-gone',
        records: entry?.records ?? 0,
      });
    }
    for (const shardId of restart) {
      const entry = this.keeper.shard(shardId);
      if (entry && entry.sequenceNumber !== null) this.keeper.setShard(shardId, { ...entry, sequenceNumber: null });
    }
    // Finished shards that aged out of the stream are no longer needed to order their children.
    const present = new Set(shards.map((s) => s.shardId));
    const kept = Object.fromEntries(Object.entries(this.keeper.current.shards).filter(([id, s]) => !s.finished || present.has(id)));
    this.keeper.replace({ ...this.keeper.current, shards: kept });
  }

  private async archiveShard(shard: ShardInfo, tipAt: Date): Promise<void> {
    const { step, keeper } = this;
    const shardId = shard.shardId;
    const before = keeper.shard(shardId);
    const from: ShardPosition =
      before?.sequenceNumber != null ? { kind: 'after-sequence', sequenceNumber: before.sequenceNumber } : { kind: 'trim-horizon' };
    const tally = this.tallyOf(shardId, before?.sequenceNumber ?? null);
    const writer = new ChunkWriter({
      store: this.store,
      keeper,
      stream: step.stream,
      shardId,
      format: step.format,
      partition: step.partition,
      maxRecords: this.options.maxRecordsPerFile ?? DEFAULTS.maxRecordsPerFile,
      maxBytes: this.options.maxBytesPerFile ?? DEFAULTS.maxBytesPerFile,
      parquet: this.parquet,
      leaseHeld: this.leaseHeld,
    });
    const reader = readShard(this.streams, step.stream, shardId, {
      from,
      tipAt,
      closed: shard.sequenceRange.end !== null,
      pageSize: this.options.pageSize ?? DEFAULTS.pageSize,
      signal: this.abort.signal,
    });
    let end: ShardReadEnd;
    const committedBefore = { ...writer.committed };
    try {
      for (;;) {
        const next = await reader.next();
        if (next.done) {
          end = next.value;
          break;
        }
        for (const record of next.value.records) {
          const added = await writer.add(record);
          this.totals.records += added.records;
          this.totals.quarantined += added.quarantined;
          tally.records += added.records;
          tally.quarantined += added.quarantined;
        }
        await writer.flush();
        this.syncFiles(writer, tally, committedBefore);
        this.report(shardId);
      }
      await writer.commit();
      this.syncFiles(writer, tally, committedBefore);
    } catch (err) {
      await writer.discard();
      throw err;
    }
    const after = keeper.shard(shardId);
    keeper.setShard(shardId, {
      sequenceNumber: after?.sequenceNumber ?? null,
      arrivalTime: after?.arrivalTime ?? null,
      seenUpTo: later(after?.seenUpTo ?? null, end.caughtUpAt.toISOString()),
      finished: end.shardEnded,
      records: after?.records ?? 0,
    });
    await keeper.save();
    tally.to = after?.sequenceNumber ?? null;
    tally.finished = end.shardEnded;
    this.shardsDone++;
    this.report(shardId);
  }

  /** Copies the writer's committed file counts into the run's totals. */
  private syncFiles(writer: ChunkWriter, tally: ShardTally, seen: { files: number; bytes: number }): void {
    const files = writer.committed.files - seen.files;
    const bytes = writer.committed.bytes - seen.bytes;
    seen.files = writer.committed.files;
    seen.bytes = writer.committed.bytes;
    tally.files += files;
    tally.bytes += bytes;
    this.totals.files += files;
    this.totals.bytes += bytes;
  }

  private tallyOf(shardId: string, from: string | null): ShardTally {
    let t = this.tally.get(shardId);
    if (!t) {
      t = { records: 0, quarantined: 0, files: 0, bytes: 0, from, to: from, finished: false };
      this.tally.set(shardId, t);
    }
    return t;
  }

  private report(shardId: string): void {
    if (!this.options.onProgress) return;
    const elapsedMs = Date.now() - this.started;
    this.options.onProgress({
      reservoir: this.step.reservoir,
      ...this.totals,
      elapsedMs,
      recordsPerSecond: elapsedMs > 0 ? Math.round((this.totals.records * 1000) / elapsedMs) : 0,
      shardId,
      shardsDone: this.shardsDone,
    });
  }

  /** Runs `work` over the shards, a few at a time; the first failure stops the others. */
  private async inParallel(shards: readonly ShardInfo[], work: (s: ShardInfo) => Promise<void>): Promise<void> {
    let next = 0;
    let failure: { error: unknown } | null = null;
    const limit = Math.max(1, Math.min(this.options.shardConcurrency ?? DEFAULTS.shardConcurrency, shards.length));
    const worker = async () => {
      while (next < shards.length && !failure) {
        const shard = shards[next++];
        try {
          await work(shard);
        } catch (error) {
          failure ??= { error };
          this.abort.abort(error);
        }
      }
    };
    await Promise.all(Array.from({ length: limit }, worker));
    if (failure) throw (failure as { error: unknown }).error;
    this.abort.signal.throwIfAborted();
  }
}

function parentsOf(shard: ShardInfo): string[] {
  return [shard.parentShardId, shard.adjacentParentShardId].filter((p): p is string => p !== null);
}

async function holdsArchivedFiles(store: ReservoirStore): Promise<boolean> {
  for await (const file of store.list()) {
    if (isDataFile(file.path) || isQuarantineFile(file.path)) return true;
  }
  return false;
}
