// Runs one replay step: streams the pushed-down SQL's rows in origin order, annotates them,
// batches (and aggregates) them per destination shard, sends them within the rate limits and
// checkpoints after every acknowledged batch. Also the no-emit modes, preview and dry run.

import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { ReplayOperator, ReplayStep } from '../../compiler/plan/types.ts';
import { readArchiveCheckpoint } from '../reservoir/checkpoint.ts';
import { openEmbeddedSqlEngine } from '../target/embedded-sql.ts';
import { Annotator, origin } from './annotate.ts';
import { REPLAY_METADATA_FIELD } from '../../compiler/record-layout.ts';
import { PUT_RECORDS_MAX_BYTES, PUT_RECORDS_MAX_ENTRIES } from '../kinesis/put-records.ts';
import { MAX_RECORD_BYTES, type Batch, type BatchEntry } from './batcher.ts';
import { markerEntries, replayMarker, writeMarkerFile } from './markers.ts';
import { comparePosition, REPLAY_CHECKPOINT_VERSION, type ReplayCheckpoint, type RowPosition } from './checkpoint.ts';
import { homeCheckpointStore } from './checkpoint-store.ts';
import { definitionOf } from './definition.ts';
import { EmitStopped, Emitter } from './emitter.ts';
import type { ReplayPhase } from './progress.ts';
import { ReplayRateLimiter } from './rate-limiter.ts';
import { isReplayError, ReplayError } from './replay-errors.ts';
import { EmitSink } from './emit-sink.ts';
import { BaseRun, hintArgs, shellWord, startOf, type HintArgs } from './run-start.ts';
import { archiveStore, ReplaySource, type SourceRow } from './source.ts';
import type { PreviewRecord, RateLimit, ReplayContext, ReplayOptions, ReplaySummary } from './types.ts';
import { CutFilter, type SourceCut } from './watermark.ts';
import { partStartOf } from './part-start.ts';
import { createPartsRun, markPartDone, openShardsKey, partShardIds, type PartsRun } from './parts.ts';
import { ShardRouter } from './shard-router.ts';

export const DEFAULT_MAX_RETRIES = 5;

export async function runReplay(step: ReplayStep, ctx: ReplayContext, options: ReplayOptions = {}): Promise<ReplaySummary> {
  const startedAt = performance.now();
  const mode: ReplaySummary['mode'] = options.preview !== undefined ? 'preview' : options.dryRun ? 'dry-run' : 'emit';
  const emitting = mode === 'emit';
  const part = options.part ?? null;
  if (part && !emitting) throw new Error('a replay part (--part) only runs when it emits');
  if (part && !ctx.partsStore) throw new Error('a replay part (--part) needs the store its parts agree through');
  // The target's store: the home, or beside the reservoir where another machine resumes the run.
  const checkpoints = ctx.checkpoints ?? homeCheckpointStore(ctx.home);
  const paths = { file: checkpoints.where(step.name, part ?? undefined) };
  const hints = hintArgs(step.name, options);
  const lock = emitting ? await checkpoints.lock(step.name, part ?? undefined, { ...hints, checkpoint: paths.file }) : null;
  // Every checkpoint write (and send) first makes sure the lock is still this run's (a lease can be lost).
  const save = async (c: ReplayCheckpoint): Promise<void> => {
    lock?.assertHeld();
    await checkpoints.write(c);
  };
  try {
    const definition = definitionOf(step, options.compiledAt ?? new Date().toISOString());
    const destination = ctx.destination ?? ctx.streams;
    // A part starts from the parts run all parts share (parts.ts); an unsplit run from its checkpoint.
    const partStart = part ? await partStartOf(ctx.partsStore!, checkpoints, step.name, part, definition, options, hints) : null;
    const joined = partStart?.kind === 'join' ? partStart.run : null;
    const { resumed, base: upToDate } = partStart
      ? {
          resumed: partStart.kind === 'resume' ? partStart.resumed : null,
          base: partStart.kind === 'resume' ? partStart.resumed.base : partStart.kind === 'join' ? partStart.run.base : partStart.base,
        }
      : await startOf(checkpoints, step.name, definition, options, mode, paths.file, hints);
    // A resumed run keeps what it started with: SQL (relative times resolved then), aggregation, id, cut; a joined part takes the parts run's.
    const run = resumed?.step ?? joined?.step ?? step;
    const emit = operator(run, 'emit');
    if (!emit) throw new Error(`replay step ${run.id} has no emit operator`);
    const aggregate = resumed?.aggregate ?? joined?.aggregate ?? options.aggregate ?? run.operators.some((o) => o.op === 'aggregate');
    let replayId = resumed?.replayId ?? joined?.replayId ?? randomUUID();

    // The destination's shards are listed once per replay: a part routes by the list its parts run holds.
    const listed = ctx.destinationShards ?? (await destination.listShards(run.into));
    const sharedShards = resumed?.part?.shards ?? joined?.shards ?? null;
    if (part && sharedShards && openShardsKey(sharedShards) !== openShardsKey(listed)) {
      throw new ReplayError('WS768', { ...hints, into: run.into, replayId, startedAt: resumed?.startedAt ?? joined!.startedAt });
    }
    const destinationShards = sharedShards ?? listed;
    const mine = part ? new Set(partShardIds(destinationShards, part, run.into)) : null;
    // Routing, rate, aggregation, batching and retries: the emit sink jobs use too. `deliver` (below) says what an acknowledged batch means here.
    const sink = new EmitSink({
      destination,
      into: run.into,
      shards: destinationShards,
      shardBudgetFraction: emit.shardBudgetFraction,
      // The `rate` clause is the whole replay's: a part takes its shards' share of it.
      ratePerSecond: emit.ratePerSecond !== null && mine ? (emit.ratePerSecond * mine.size) / new ShardRouter(destinationShards).size : emit.ratePerSecond,
      aggregate,
      maxRetries: ctx.maxRetries ?? DEFAULT_MAX_RETRIES,
      deliver: (batch, send) => deliver(batch, send),
    });
    const { limiter, emitter } = sink;
    const counts = { records: 0, nonObject: 0, fallbacks: 0, pastWatermark: 0, alreadyReplayed: 0, prepared: 0, kinesisRecords: 0, bytes: 0, otherParts: 0 };
    const base = { replay: run.name, replayId, total: null as number | null, position: resumed?.acknowledged.ordinal ?? 0 };
    // Markers go through the same limits but are counted apart: the summary's counts are the slice's.
    const markerEmitter = sink.sideEmitter();
    let deliver: (batch: Batch, send: () => Promise<void>) => Promise<void> = async () => {};
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
    const open = async (bound: SourceCut | null) =>
      ReplaySource.open({
        step: run,
        engine: ctx.sql?.sql?.engine ?? 'duckdb',
        streams: ctx.streams,
        archive: ctx.reservoir ? await readArchiveCheckpoint(ctx.reservoir) : null,
        openEngine: (request) => (ctx.sql ? ctx.sql.openSqlEngine(request) : openEmbeddedSqlEngine({}, request)),
        store: archiveStore(run, ctx.reservoir, ctx.sql, ctx.plan),
        ...(ctx.plan ? { plan: ctx.plan } : {}),
        ...(bound ? { bound } : {}),
        ...(ctx.duckdb?.threads ? { threads: ctx.duckdb.threads } : {}),
        ...(ctx.duckdb?.memoryLimit ? { memoryLimit: ctx.duckdb.memoryLimit } : {}),
        scratchRoot: path.join(ctx.home, 'replays', 'scratch'),
        ...(options.signal ? { signal: options.signal } : {}),
      });
    let source = await open(resumed?.cut ?? joined?.cut ?? null);
    // The part run this part belongs to: created here with the cut just taken, unless another part created it first.
    // The generation of the parts run this part belongs to (null when not split).
    let generation: number | null = resumed?.part?.generation ?? joined?.generation ?? null;
    let runStartedAt: string | null = resumed?.startedAt ?? joined?.startedAt ?? null;
    if (partStart?.kind === 'create') {
      const proposal: PartsRun = {
        kind: 'replay-parts-run',
        version: 1,
        replay: run.name,
        generation: partStart.generation,
        replayId,
        parts: part!.count,
        step: run,
        aggregate,
        cut: source.cut,
        definition,
        base: upToDate,
        shards: destinationShards,
        startedAt: new Date().toISOString(),
      };
      const created = await createPartsRun(ctx.partsStore!, proposal).catch(async (err: unknown) => {
        await source.close();
        throw err;
      });
      if (!created.created) {
        // Another part was first: its cut, id and shards, so that the parts agree.
        await source.close();
        const other = created.run;
        if (other.parts !== part!.count) {
          const missing = Array.from({ length: other.parts }, (_, i) => `${i + 1}/${other.parts}`).join(', ');
          const command = `wshed replay ${hints.file} ${shellWord(run.name)} --part 1/${other.parts}`;
          throw new ReplayError('WS766', { ...hints, replayId: other.replayId, startedAt: other.startedAt, parts: other.parts, asked: part!.count, missing, command });
        }
        if (openShardsKey(other.shards) !== openShardsKey(destinationShards)) {
          throw new ReplayError('WS768', { ...hints, into: run.into, replayId: other.replayId, startedAt: other.startedAt });
        }
        source = await open(created.run.cut);
      }
      generation = created.run.generation;
      replayId = created.run.replayId;
      runStartedAt = created.run.startedAt;
      base.replayId = replayId;
    }
    let checkpoint: ReplayCheckpoint | null = null;
    try {
      const cut = source.cut;
      const past = new CutFilter(cut);
      const annotate = operator(run, 'annotate') ?? null;
      const annotator = new Annotator({ replayId, annotate, partitionKey: emit.partitionKey });
      report('query');
      if (options.onProgress && mode !== 'preview') base.total = await source.count();
      // Rows the completed run we bring up to date emitted already: before its cut and inside its bounds.
      const done = upToDate ? new BaseRun(upToDate) : null;
      // The checkpoint is written just before the first send: a crash in the first batch resumes
      // with the same id and watermark; a run that sends nothing leaves the last one as it was.
      const started = async (): Promise<void> => {
        const now = new Date().toISOString();
        const partOf = part && generation !== null ? { part: { index: part.index, count: part.count, generation, shards: destinationShards } } : {};
        checkpoint = resumed
          ? { ...resumed, state: 'running', stoppedBecause: null, updatedAt: now }
          : {
              kind: 'replay-checkpoint',
              version: REPLAY_CHECKPOINT_VERSION,
              replay: run.name,
              replayId,
              step: run,
              aggregate,
              cut,
              definition,
              base: upToDate,
              acknowledged: { ordinal: 0, position: null },
              emitted: 0,
              duplicatesPossible: 0,
              state: 'running',
              stoppedBecause: null,
              startedAt: runStartedAt ?? now,
              updatedAt: now,
              ...partOf,
            };
        await save(checkpoint);
        // The run's watermark, once: beside the reservoir and ahead of its records on every destination shard.
        const marker = replayMarker({ replayId, replay: run.name, stream: run.stream, into: run.into, cut, after: upToDate?.replayId ?? null, startedAt: checkpoint.startedAt });
        if (ctx.reservoir) await writeMarkerFile(ctx.reservoir, marker);
        const entries = markerEntries(marker, mine ? destinationShards.filter((s) => mine.has(s.shardId)) : destinationShards, annotate?.metadataField ?? REPLAY_METADATA_FIELD);
        for (const chunk of putRecordsChunks(entries)) await markerEmitter.send({ entries: chunk, userRecords: 0 });
      };
      // A resumed run's checkpoint is there already; it is marked running again (and completed, even if nothing is left to send).
      if (resumed) await started();

      let firstBatch = true;
      let resendMayDuplicate = 0;
      deliver = async (batch: Batch, send: () => Promise<void>): Promise<void> => {
        if (!emitting) {
          counts.kinesisRecords += batch.entries.length;
          counts.bytes += batch.bytes;
          counts.prepared += batch.userRecords;
          report('emit');
          return;
        }
        // The batch after a checkpoint is the one a crashed or stopped run may have (partly) written.
        if (firstBatch) {
          if (!checkpoint) await started();
          if (resumed) resendMayDuplicate = batch.userRecords;
        }
        firstBatch = false;
        const before = emitter.stats.duplicatesPossible;
        lock?.assertHeld();
        await send();
        checkpoint = {
          ...checkpoint!,
          acknowledged: { ordinal: batch.last.ordinal, position: batch.last.position },
          emitted: checkpoint!.emitted + batch.userRecords,
          duplicatesPossible: checkpoint!.duplicatesPossible + (emitter.stats.duplicatesPossible - before),
          updatedAt: new Date().toISOString(),
        };
        await save(checkpoint);
        base.position = batch.last.ordinal;
        report('emit');
        if (options.signal?.aborted) throw interrupted(checkpoint, hints, paths.file);
      };

      // One batch in flight while the next is prepared (the sink's); at most that one is re-sent after a crash.
      const preview: PreviewRecord[] = [];
      let skipUpTo = resumed?.acknowledged.position ?? null;
      // Rows of the slice this run sends, in all parts together.
      let eligible = 0;
      for await (const row of source.rows()) {
        if (mode === 'preview' && preview.length >= options.preview!) break;
        if (options.signal?.aborted) throw interrupted(checkpoint, hints, paths.file);
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
        if (done && !done.isNew(row)) {
          counts.alreadyReplayed++;
          continue;
        }
        const out = annotator.annotate(row);
        eligible++;
        const bytes = out.data.length + Buffer.byteLength(out.partitionKey);
        // Every part stops at an oversize record, whoever's shard it goes to: the parts stay one run.
        if (bytes > MAX_RECORD_BYTES) {
          // Send what came before it first: the checkpoint then stops right before the record.
          if (mode !== 'preview') await sink.flush();
          const where = `${row.shardId}/${row.sequenceNumber}/${row.subSequenceNumber}`;
          throw new ReplayError('WS757', { ...hints, origin: where, shardId: row.shardId, sequenceNumber: row.sequenceNumber, bytes, checkpoint: paths.file });
        }
        // Another part's shard: that part sends it.
        if (mine && !mine.has(sink.shardFor(out.partitionKey))) {
          counts.otherParts++;
          continue;
        }
        if (!out.isObject) counts.nonObject++;
        if (out.keyFellBack) counts.fallbacks++;
        if (mode === 'preview') {
          preview.push({ partitionKey: out.partitionKey, explicitHashKey: null, shardId: sink.shardFor(out.partitionKey), data: out.data.toString('utf8'), origin: origin(row) });
          continue;
        }
        await sink.add({ ordinal: row.ordinal, position, partitionKey: out.partitionKey, data: out.data });
      }
      await sink.flush();
      if (options.signal?.aborted) throw interrupted(checkpoint, hints, paths.file);
      // A part none of whose records went to its shards still marks them, as the unsplit run would.
      if (part && eligible > 0 && !checkpoint) await started();

      const finished = checkpoint as ReplayCheckpoint | null;
      const completedAt = new Date().toISOString();
      if (finished) await save({ ...finished, state: 'completed', updatedAt: completedAt });
      if (part && generation !== null) {
        const emitted = (finished as ReplayCheckpoint | null)?.emitted ?? 0;
        await markPartDone(ctx.partsStore!, run.name, generation, { kind: 'replay-part-done', replayId, part: part.index, parts: part.count, emitted, completedAt });
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
        // Marker entries are PutRecords entries too: their failures and retries count.
        failedAttempts: stats.failedAttempts + markerEmitter.stats.failedAttempts,
        retried: stats.retried + markerEmitter.stats.retried,
        duplicatesPossible: stats.duplicatesPossible + resendMayDuplicate,
        nonObjectRecords: counts.nonObject,
        partitionKeyFallbacks: counts.fallbacks,
        pastWatermark: counts.pastWatermark,
        durationMs: Math.round(durationMs),
        ratePerSecond: durationMs > 0 ? Math.round((delivered * 1000) / durationMs) : 0,
        resumedFrom: resumed ? resumed.acknowledged.ordinal : null,
        markers: { records: markerEmitter.stats.kinesisRecords, bytes: markerEmitter.stats.bytes },
        upToDateFrom: upToDate ? { replayId: upToDate.replayId, completedAt: upToDate.completedAt } : null,
        alreadyReplayed: counts.alreadyReplayed,
        upToDate: upToDate !== null && (part ? eligible === 0 : delivered === 0),
        limitedBy: limitsOf(limiter, emitter, emit.ratePerSecond),
        watermark: cut.watermark,
        checkpoint: emitting ? paths.file : null,
        ...(mode === 'preview' ? { preview } : {}),
        part: part && mine && generation !== null ? { index: part.index, count: part.count, generation, shards: [...mine], otherParts: counts.otherParts } : null,
      };
    } catch (err) {
      // Let the batch in flight settle first: its checkpoint must not land after ours.
      await sink.settle();
      const current = checkpoint as ReplayCheckpoint | null;
      // Interrupted: say where it stopped once the batch in flight has settled.
      const byInterrupt = options.signal?.aborted && (!isReplayError(err) || isReplayError(err, 'WS759') || isReplayError(err, 'WS763'));
      const stopped = byInterrupt ? interrupted(current, hints, paths.file) : current ? asStopError(err, current, hints, paths.file) : err;
      if (current) {
        const because = stopped instanceof Error ? stopped.message : String(stopped);
        await save({ ...current, state: 'stopped', stoppedBecause: because, updatedAt: new Date().toISOString() }).catch(() => {});
      }
      throw stopped;
    } finally {
      await source.close();
    }
  } catch (err) {
    // A signal during the capture or the query: nothing was sent by this run.
    if (options.signal?.aborted && !isReplayError(err)) throw interrupted(null, hints, paths.file);
    throw err;
  } finally {
    await lock?.release();
  }
}

function operator<K extends ReplayOperator['op']>(step: ReplayStep, op: K): Extract<ReplayOperator, { op: K }> | undefined {
  return step.operators.find((o): o is Extract<ReplayOperator, { op: K }> => o.op === op);
}

function positionOf(row: SourceRow): RowPosition {
  return { arrival_time: row.arrivalTime, sequence_number: row.sequenceNumber, sub_sequence_number: row.subSequenceNumber, shard_id: row.shardId };
}

/** Stopped by the signal: where, and the command that continues (or, before any send, starts again). */
function interrupted(checkpoint: ReplayCheckpoint | null, hints: HintArgs, file: string): ReplayError {
  if (!checkpoint) return new ReplayError('WS763', { ...hints });
  return new ReplayError('WS759', { ...hints, acknowledged: checkpoint.emitted, position: checkpoint.acknowledged.ordinal, checkpoint: file });
}

/** Emitter failures become coded errors that say how many records are safe and how to resume. */
function asStopError(err: unknown, checkpoint: ReplayCheckpoint, hints: HintArgs, file: string): unknown {
  if (!(err instanceof EmitStopped)) return err;
  const args = { ...hints, into: checkpoint.step.into, acknowledged: checkpoint.emitted, checkpoint: file };
  return err.reason === 'retries'
    ? new ReplayError('WS751', { ...args, failed: err.failed, limit: err.limit, lastError: err.lastError }, { cause: err })
    : new ReplayError('WS752', { ...args, why: err.lastError }, { cause: err });
}

/** Entries in PutRecords-sized groups (500 entries, 5 MiB). */
function putRecordsChunks(entries: readonly BatchEntry[]): BatchEntry[][] {
  const chunks: BatchEntry[][] = [];
  let chunk: BatchEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    if (chunk.length > 0 && (chunk.length >= PUT_RECORDS_MAX_ENTRIES || bytes + entry.bytes > PUT_RECORDS_MAX_BYTES)) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(entry);
    bytes += entry.bytes;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

/** What held the rate down in this run, the longest wait first. */
function limitsOf(limiter: ReplayRateLimiter, emitter: Emitter, rate: number | null): RateLimit[] {
  const limits: RateLimit[] = [];
  if (limiter.waited.rate > 0 && rate !== null) limits.push({ by: 'rate', waitedMs: Math.round(limiter.waited.rate), value: rate });
  if (limiter.waited.shards > 0) limits.push({ by: 'shard-budget', waitedMs: Math.round(limiter.waited.shards), value: Math.round(limiter.recordsPerShard) });
  if (emitter.stats.throttled > 0) limits.push({ by: 'throttling', waitedMs: Math.round(emitter.stats.backoffMs), value: emitter.stats.throttled });
  return limits.sort((a, b) => b.waitedMs - a.waitedMs);
}

