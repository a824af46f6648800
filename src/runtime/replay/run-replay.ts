// Runs one replay step: streams the pushed-down SQL's rows in origin order, annotates them,
// batches (and aggregates) them per destination shard, sends them within the rate limits and
// checkpoints after every acknowledged batch. Also the no-emit modes, preview and dry run.

import { isDataFile } from '../reservoir/file-names.ts';
import type { ReservoirStore } from '../reservoir/store.ts';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { ReplayOperator, ReplayStep } from '../../compiler/plan/types.ts';
import { readArchiveCheckpoint } from '../reservoir/checkpoint.ts';
import { Annotator, origin } from './annotate.ts';
import { Batcher, MAX_RECORD_BYTES, type Batch } from './batcher.ts';
import {
  checkpointPaths,
  comparePosition,
  lockReplay,
  readReplayCheckpoint,
  writeReplayCheckpoint,
  type ReplayCheckpoint,
  type RowPosition,
} from './checkpoint.ts';
import { EmitStopped, Emitter } from './emitter.ts';
import type { ReplayPhase } from './progress.ts';
import { ReplayRateLimiter } from './rate-limiter.ts';
import { ReplayError } from './replay-errors.ts';
import { ShardRouter } from './shard-router.ts';
import { ReplaySource, type SourceRow } from './source.ts';
import type { PreviewRecord, ReplayContext, ReplayOptions, ReplaySummary } from './types.ts';
import { CutFilter } from './watermark.ts';

export const DEFAULT_MAX_RETRIES = 5;

export async function runReplay(step: ReplayStep, ctx: ReplayContext, options: ReplayOptions = {}): Promise<ReplaySummary> {
  const startedAt = performance.now();
  const mode: ReplaySummary['mode'] = options.preview !== undefined ? 'preview' : options.dryRun ? 'dry-run' : 'emit';
  const emitting = mode === 'emit';
  const paths = checkpointPaths(ctx.home, step.name);
  const lock = emitting ? await lockReplay(ctx.home, step.name) : null;
  try {
    const resumed = emitting ? await runToResume(ctx.home, step.name, options.resume === true, paths.file) : null;
    // A resumed run keeps what it started with: SQL (relative times resolved then), aggregation, id, cut.
    const run = resumed?.step ?? step;
    const emit = operator(run, 'emit');
    if (!emit) throw new Error(`replay step ${run.id} has no emit operator`);
    const aggregate = resumed?.aggregate ?? options.aggregate ?? run.operators.some((o) => o.op === 'aggregate');
    const replayId = resumed?.replayId ?? randomUUID();
    const destination = ctx.destination ?? ctx.streams;

    const router = new ShardRouter(await destination.listShards(run.into));
    if (router.size === 0) throw new ReplayError('WS760', { into: run.into });
    const limiter = new ReplayRateLimiter({
      shardIds: router.shardIds,
      shardBudgetFraction: emit.shardBudgetFraction,
      ratePerSecond: emit.ratePerSecond,
    });
    const counts = { records: 0, nonObject: 0, fallbacks: 0, pastWatermark: 0, prepared: 0, kinesisRecords: 0, bytes: 0 };
    const base = { replay: run.name, replayId, total: null as number | null, position: resumed?.acknowledged.ordinal ?? 0 };
    const emitter = new Emitter(destination, run.into, limiter, ctx.maxRetries ?? DEFAULT_MAX_RETRIES);
    const report = (phase: ReplayPhase) => {
      const elapsedMs = performance.now() - startedAt;
      const emitted = emitting ? emitter.stats.emitted : counts.prepared;
      options.onProgress?.({
        ...base,
        phase,
        records: counts.records,
        emitted: emitting ? emitter.stats.emitted : 0,
        kinesisRecords: emitting ? emitter.stats.kinesisRecords : counts.kinesisRecords,
        bytes: emitting ? emitter.stats.bytes : counts.bytes,
        retried: emitter.stats.retried,
        elapsedMs,
        ratePerSecond: elapsedMs > 0 ? (emitted * 1000) / elapsedMs : 0,
      });
    };

    report('capture');
    const source = await ReplaySource.open({
      step: run,
      streams: ctx.streams,
      archive: ctx.reservoir ? await readArchiveCheckpoint(ctx.reservoir) : null,
      archiveEmpty: run.source !== 'live' && ctx.reservoir !== null && !(await hasDataFile(ctx.reservoir)),
      ...(resumed ? { bound: resumed.cut } : {}),
      ...(ctx.duckdb?.threads ? { threads: ctx.duckdb.threads } : {}),
      ...(ctx.duckdb?.memoryLimit ? { memoryLimit: ctx.duckdb.memoryLimit } : {}),
      scratchRoot: path.join(ctx.home, 'replays', 'scratch'),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    let checkpoint: ReplayCheckpoint | null = null;
    let inflight: Promise<void> | null = null;
    try {
      const cut = source.cut;
      const past = new CutFilter(cut);
      const annotator = new Annotator({ replay: run.name, replayId, watermark: cut.watermark, annotate: operator(run, 'annotate') ?? null, partitionKey: emit.partitionKey });
      report('query');
      if (options.onProgress && mode !== 'preview') base.total = await source.count();
      if (emitting) {
        const now = new Date().toISOString();
        checkpoint = resumed
          ? { ...resumed, state: 'running', stoppedBecause: null, updatedAt: now }
          : {
              kind: 'replay-checkpoint',
              version: 1,
              replay: run.name,
              replayId,
              step: run,
              aggregate,
              cut,
              acknowledged: { ordinal: 0, position: null },
              emitted: 0,
              duplicatesPossible: 0,
              state: 'running',
              stoppedBecause: null,
              startedAt: now,
              updatedAt: now,
            };
        // Written before the first send: a crash in the first batch resumes with the same id and watermark.
        await writeReplayCheckpoint(ctx.home, checkpoint);
      }

      let firstBatch = true;
      let resendMayDuplicate = 0;
      const deliver = async (batch: Batch): Promise<void> => {
        if (!emitting) {
          counts.kinesisRecords += batch.entries.length;
          counts.bytes += batch.bytes;
          counts.prepared += batch.userRecords;
          report('emit');
          return;
        }
        // The batch after a checkpoint is the one a crashed or stopped run may have (partly) written.
        if (firstBatch && resumed) resendMayDuplicate = batch.userRecords;
        firstBatch = false;
        const before = emitter.stats.duplicatesPossible;
        await emitter.send(batch);
        checkpoint = {
          ...checkpoint!,
          acknowledged: { ordinal: batch.last.ordinal, position: batch.last.position },
          emitted: checkpoint!.emitted + batch.userRecords,
          duplicatesPossible: checkpoint!.duplicatesPossible + (emitter.stats.duplicatesPossible - before),
          updatedAt: new Date().toISOString(),
        };
        await writeReplayCheckpoint(ctx.home, checkpoint);
        base.position = batch.last.ordinal;
        report('emit');
        if (options.signal?.aborted) throw stopError('WS759', checkpoint, paths.file);
      };

      // One batch in flight while the next is prepared; at most that one is re-sent after a crash.
      const submit = async (batch: Batch) => {
        if (inflight) await inflight;
        inflight = deliver(batch);
        inflight.catch(() => {});
      };
      const batcher = new Batcher(aggregate, limiter.caps);
      const preview: PreviewRecord[] = [];
      let skipUpTo = resumed?.acknowledged.position ?? null;
      for await (const row of source.rows()) {
        if (mode === 'preview' && preview.length >= options.preview!) break;
        const position = positionOf(row);
        // Acknowledged in the run being resumed (the SQL order is total, so positions identify rows).
        if (skipUpTo) {
          if (comparePosition(position, skipUpTo) <= 0) continue;
          skipUpTo = null;
        }
        counts.records++;
        if (past.isPast(row.shardId, row.sequenceNumber)) {
          counts.pastWatermark++;
          continue;
        }
        const out = annotator.annotate(row);
        if (!out.isObject) counts.nonObject++;
        if (out.keyFellBack) counts.fallbacks++;
        const bytes = out.data.length + Buffer.byteLength(out.partitionKey);
        if (bytes > MAX_RECORD_BYTES) {
          const where = `${row.shardId}/${row.sequenceNumber}/${row.subSequenceNumber}`;
          throw new ReplayError('WS757', { replay: run.name, origin: where, bytes, checkpoint: paths.file });
        }
        const shardId = router.shardFor(out.partitionKey);
        if (mode === 'preview') {
          preview.push({ partitionKey: out.partitionKey, explicitHashKey: null, shardId, data: out.data.toString('utf8'), origin: origin(row) });
          continue;
        }
        const closed = batcher.add({ ordinal: row.ordinal, position, partitionKey: out.partitionKey, data: out.data, shardId });
        if (closed) await submit(closed);
      }
      const lastBatch = batcher.flush();
      if (lastBatch) await submit(lastBatch);
      if (inflight) await inflight;

      if (checkpoint) {
        checkpoint = { ...checkpoint, state: 'completed', updatedAt: new Date().toISOString() };
        await writeReplayCheckpoint(ctx.home, checkpoint);
      }
      report('done');
      const durationMs = performance.now() - startedAt;
      const stats = emitter.stats;
      const delivered = emitting ? stats.emitted : mode === 'dry-run' ? counts.prepared : preview.length;
      return {
        replay: run.name,
        replayId,
        into: run.into,
        mode,
        records: counts.records,
        emitted: stats.emitted,
        kinesisRecords: emitting ? stats.kinesisRecords : counts.kinesisRecords,
        bytes: emitting ? stats.bytes : counts.bytes,
        failedAttempts: stats.failedAttempts,
        retried: stats.retried,
        duplicatesPossible: stats.duplicatesPossible + resendMayDuplicate,
        nonObjectRecords: counts.nonObject,
        partitionKeyFallbacks: counts.fallbacks,
        pastWatermark: counts.pastWatermark,
        durationMs: Math.round(durationMs),
        ratePerSecond: durationMs > 0 ? Math.round((delivered * 1000) / durationMs) : 0,
        resumedFrom: resumed ? resumed.acknowledged.ordinal : null,
        watermark: cut.watermark,
        checkpoint: emitting ? paths.file : null,
        ...(mode === 'preview' ? { preview } : {}),
      };
    } catch (err) {
      // Let the batch in flight settle first: its checkpoint must not land after ours.
      await (inflight as Promise<void> | null)?.catch(() => {});
      const stopped = checkpoint ? asStopError(err, checkpoint, paths.file) : err;
      if (checkpoint) {
        const because = stopped instanceof Error ? stopped.message : String(stopped);
        await writeReplayCheckpoint(ctx.home, { ...checkpoint, state: 'stopped', stoppedBecause: because, updatedAt: new Date().toISOString() }).catch(() => {});
      }
      throw stopped;
    } finally {
      await source.close();
    }
  } finally {
    await lock?.release();
  }
}

/** The unfinished run to resume, null for a fresh run; refuses to silently restart an unfinished one. */
async function runToResume(home: string, replay: string, resume: boolean, file: string): Promise<ReplayCheckpoint | null> {
  const existing = await readReplayCheckpoint(home, replay);
  const unfinished = existing && existing.state !== 'completed' ? existing : null;
  if (resume && !unfinished) {
    const why = existing ? `its last run ${existing.replayId} completed at ${existing.updatedAt}` : 'it has no checkpoint';
    throw new ReplayError('WS754', { replay, why });
  }
  if (!resume && unfinished) {
    throw new ReplayError('WS753', { replay, replayId: unfinished.replayId, acknowledged: unfinished.emitted, updatedAt: unfinished.updatedAt, checkpoint: file });
  }
  return unfinished;
}

function operator<K extends ReplayOperator['op']>(step: ReplayStep, op: K): Extract<ReplayOperator, { op: K }> | undefined {
  return step.operators.find((o): o is Extract<ReplayOperator, { op: K }> => o.op === op);
}

function positionOf(row: SourceRow): RowPosition {
  return { arrival_time: row.arrivalTime, sequence_number: row.sequenceNumber, sub_sequence_number: row.subSequenceNumber, shard_id: row.shardId };
}

function stopError(code: 'WS759', checkpoint: ReplayCheckpoint, file: string): ReplayError {
  return new ReplayError(code, { replay: checkpoint.replay, acknowledged: checkpoint.emitted, checkpoint: file });
}

/** Emitter failures become coded errors that say how many records are safe and how to resume. */
function asStopError(err: unknown, checkpoint: ReplayCheckpoint, file: string): unknown {
  if (!(err instanceof EmitStopped)) return err;
  const args = { replay: checkpoint.replay, into: checkpoint.step.into, acknowledged: checkpoint.emitted, checkpoint: file };
  return err.reason === 'retries'
    ? new ReplayError('WS751', { ...args, failed: err.failed, limit: err.limit, lastError: err.lastError }, { cause: err })
    : new ReplayError('WS752', { ...args, why: err.lastError }, { cause: err });
}

/** Whether the archiver has published at least one data file into the reservoir. */
async function hasDataFile(store: ReservoirStore): Promise<boolean> {
  for await (const file of store.list()) if (isDataFile(file.path)) return true;
  return false;
}
