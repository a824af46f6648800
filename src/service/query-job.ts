// Runs a query job: streams queryIn's rows through the runtime's SQL engine (runQuery, via
// queryRows), turns each into a record (pump-record.ts) and emits them with the replay's pieces:
// routing to destination shards, batches within one second of each shard's budget, the rate
// limiter and the emitter's retries. After each acknowledged batch the job's emittedRowOffset
// moves on; a resumed job skips that many rows of the result (exact when the SQL has ORDER BY).

import { countQueryRows, queryRows } from '../runtime/query/rows.ts';
import { Batcher, MAX_RECORD_BYTES, type Batch } from '../runtime/replay/batcher.ts';
import type { RowPosition } from '../runtime/replay/checkpoint.ts';
import { EmitStopped, Emitter } from '../runtime/replay/emitter.ts';
import { ReplayRateLimiter } from '../runtime/replay/rate-limiter.ts';
import { ShardRouter } from '../runtime/replay/shard-router.ts';
import { RuntimeError } from '../runtime/runtime-error.ts';
import { servedQuery, type PumpContext } from './context.ts';
import type { JobControl } from './job-queue.ts';
import type { Job } from './jobs.ts';
import { pumpRecord, rowRecord } from './pump-record.ts';
import type { QueryRow } from '../runtime/query/rows.ts';

/** The batcher wants a replay position; query rows are identified by their ordinal alone. */
const NO_POSITION: RowPosition = { arrival_time: '', sequence_number: '0', sub_sequence_number: 0, shard_id: '' };

export async function runQueryJob(job: Job, control: JobControl, ctx: PumpContext): Promise<void> {
  const sql = job.queryIn!;
  const router = new ShardRouter(await ctx.destination.listShards(job.streamOut));
  if (router.size === 0) throw new RuntimeError('WS760', { into: job.streamOut });
  const limiter = new ReplayRateLimiter({ shardIds: router.shardIds, shardBudgetFraction: ctx.shardBudgetFraction, ratePerSecond: null });
  const emitter = new Emitter(ctx.destination, job.streamOut, limiter, ctx.maxRetries);
  // Plain records, as the original pump sent them: a consumer need not de-aggregate.
  const batcher = new Batcher(false, limiter.caps);
  // Sandboxed as the preview: a job's SQL comes from whoever may call the service.
  const query = servedQuery(ctx, sql);

  const skip = job.emittedRowOffset;
  const successfulBefore = job.successfulRecordCount;
  let failures = job.failureRecordCount;
  // Counting first gives pendingRecordCount; SQL that cannot be wrapped (several statements) goes uncounted.
  const total = await countQueryRows(query).catch(() => null);
  let offset = skip;
  let read = 0;
  const pending = () => (total !== null ? Math.max(0, total - offset) : Math.max(0, read - offset));
  control.progress({ totalRecordCount: total, pendingRecordCount: pending() });

  const deliver = async (batch: Batch) => {
    try {
      await emitter.send(batch);
    } catch (err) {
      if (err instanceof EmitStopped) {
        failures += batch.userRecords;
        control.progress({ failureRecordCount: failures });
      }
      throw err;
    }
    offset = batch.last.ordinal + 1;
    const lastRow = lastRows.get(batch.last.ordinal);
    lastRows.delete(batch.last.ordinal);
    control.progress({
      successfulRecordCount: successfulBefore + emitter.stats.emitted,
      emittedRowOffset: offset,
      pendingRecordCount: pending(),
      ...(lastRow ? { lastSuccessfulRow: rowRecord(lastRow) } : {}),
    });
  };
  // The last row of each batch not yet acknowledged (lastSuccessfulRow once it is): the batcher
  // closes a batch when the next row does not fit, so it ends with the row added before.
  const lastRows = new Map<number, QueryRow>();
  let previous: QueryRow | null = null;
  // One batch in flight while the next one fills, as in a replay.
  let inflight: Promise<void> | null = null;
  const submit = async (batch: Batch) => {
    if (inflight) await inflight;
    // Cancelled or shutting down: what is acknowledged stays so, the rest waits for resume.
    if (control.signal.aborted) return;
    inflight = deliver(batch);
    inflight.catch(() => {});
  };

  try {
    await queryRows({
      ...query,
      onRow: async (row, index) => {
        if (control.signal.aborted) return false;
        read = index + 1;
        if (index < skip) return;
        const record = pumpRecord(row, job);
        if (record.data.length + Buffer.byteLength(record.partitionKey) > MAX_RECORD_BYTES) {
          // Kinesis would refuse it: count it as failed and go on.
          failures++;
          control.progress({ failureRecordCount: failures });
          return;
        }
        const closed = batcher.add({ ordinal: index, position: NO_POSITION, partitionKey: record.partitionKey, data: record.data, shardId: router.shardFor(record.partitionKey) });
        if (closed && previous) lastRows.set(closed.last.ordinal, previous);
        previous = row;
        if (closed) await submit(closed);
      },
    });
    // A cancelled job keeps its open batch unsent: resume sends it.
    const last = batcher.flush();
    if (last && previous) lastRows.set(last.last.ordinal, previous);
    if (last) await submit(last);
    if (inflight) await inflight;
  } catch (err) {
    await (inflight as Promise<void> | null)?.catch(() => {});
    throw err;
  }
  if (!control.signal.aborted && total === null) control.progress({ totalRecordCount: read });
}
