// Runs a query job: streams queryIn's rows through the runtime's SQL engine (runQuery, via
// queryRows), turns each into a record (pump-record.ts) and emits them through the replay's emit
// sink (routing to destination shards, batches within each shard's budget, the rate limiter and
// the emitter's retries). After each acknowledged batch the job's emittedRowOffset moves on; a
// resumed job skips that many rows of the result (exact when the SQL has ORDER BY).

import { countQueryRows, queryRows } from '../runtime/query/rows.ts';
import { MAX_RECORD_BYTES, type Batch } from '../runtime/replay/batcher.ts';
import type { RowPosition } from '../runtime/replay/checkpoint.ts';
import { EmitSink } from '../runtime/replay/emit-sink.ts';
import { EmitStopped } from '../runtime/replay/emitter.ts';
import { servedQuery, type PumpContext } from './context.ts';
import type { JobControl } from './job-queue.ts';
import type { Job } from './jobs.ts';
import { pumpRecord, rowRecord } from './pump-record.ts';
import type { QueryRow } from '../runtime/query/rows.ts';

/** The batcher wants a replay position; query rows are identified by their ordinal alone. */
const NO_POSITION: RowPosition = { arrival_time: '', sequence_number: '0', sub_sequence_number: 0, shard_id: '' };

export async function runQueryJob(job: Job, control: JobControl, ctx: PumpContext): Promise<void> {
  const sql = job.queryIn!;
  const sink = new EmitSink({
    destination: ctx.destination,
    into: job.streamOut,
    shards: await ctx.destination.listShards(job.streamOut),
    shardBudgetFraction: ctx.shardBudgetFraction,
    ratePerSecond: null,
    // Plain records, as the original pump sent them: a consumer need not de-aggregate.
    aggregate: false,
    maxRetries: ctx.maxRetries,
    // Cancelled or shutting down: what is acknowledged stays so, the rest waits for resume.
    deliver: (batch, send) => (control.signal.aborted ? Promise.resolve() : deliver(batch, send)),
    // A batch closes when the next row does not fit (or at the end), so it ends with the row added before.
    onClosed: (batch) => {
      if (previous) lastRows.set(batch.last.ordinal, previous);
    },
  });
  const { emitter } = sink;
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

  const deliver = async (batch: Batch, send: () => Promise<void>) => {
    try {
      await send();
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
        await sink.add({ ordinal: index, position: NO_POSITION, partitionKey: record.partitionKey, data: record.data });
        previous = row;
      },
    });
    // A cancelled job keeps its open batch unsent (deliver skips it): resume sends it.
    await sink.flush();
  } catch (err) {
    await sink.settle();
    throw err;
  }
  if (!control.signal.aborted && total === null) control.progress({ totalRecordCount: read });
}
