// The records a job would emit, computed as the job computes them and sent nowhere: a query job's
// rows through pumpRecord (its key, its data with the flags), a declared replay's through the
// replay engine's preview (annotated), each with the destination shard its key routes to.

import type { ArchiveStep } from '../compiler/plan/types.ts';
import { countQueryRows, queryRows } from '../runtime/query/rows.ts';
import { runReplay } from '../runtime/replay/index.ts';
import { ShardRouter } from '../runtime/replay/shard-router.ts';
import { openReservoirStore } from '../runtime/reservoir/open-store.ts';
import { servedQuery, type PumpContext } from './context.ts';
import { COUNT_BOUND } from './preview.ts';
import { pumpRecord } from './pump-record.ts';
import { findReplay } from './replay-job.ts';
import type { JobBody } from './validate.ts';

export interface EmittedRecord {
  readonly partitionKey: string;
  readonly shardId: string;
  /** The record's data as UTF-8 text, exactly as it would be sent. */
  readonly data: string;
}

export interface EmitPreview {
  readonly streamOut: string;
  readonly records: readonly EmittedRecord[];
  /** Records the job would send: exact, or a lower bound when `countIsLowerBound`. */
  readonly count: number;
  readonly countIsLowerBound: boolean;
  /** Declared replays: nothing entered the slice since the last completed run (nothing to send). */
  readonly upToDate?: boolean;
  /** Declared replays: rows of the slice left out because the last completed run sent them. */
  readonly alreadyReplayed?: number;
}

/** A failure the caller can fix (an unknown stream or replay, a column the job names but the result lacks). */
export class EmitPreviewRefused extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** The first `n` records of a query job (POST /pump/jobs with this body), and how many it would send. */
export async function previewQueryJob(ctx: PumpContext, job: JobBody, n: number): Promise<EmitPreview> {
  const router = await routerFor(ctx, job.streamOut);
  const records: EmittedRecord[] = [];
  let more = false;
  // Sandboxed as every query the service runs for a caller; one row past n tells whether more follow.
  await queryRows({
    ...servedQuery(ctx, job.queryIn, { maxRows: n + 1 }),
    onRow: (row) => {
      if (records.length === n) {
        more = true;
        return false;
      }
      let record;
      try {
        record = pumpRecord(row, job);
      } catch (err) {
        // A column the job names is not in the result: the job would fail the same way.
        throw new EmitPreviewRefused((err as Error).message, 400, (err as Error).message.split(':')[0]);
      }
      records.push({ partitionKey: record.partitionKey, shardId: router.shardFor(record.partitionKey), data: record.data.toString('utf8') });
      return true;
    },
  });
  if (!more) return { streamOut: job.streamOut, records, count: records.length, countIsLowerBound: false };
  // Counted up to a bound (as previews are), so a preview of a huge result does not run it in full.
  const counted = await countQueryRows(servedQuery(ctx, job.queryIn), COUNT_BOUND + 1);
  return { streamOut: job.streamOut, records, count: Math.min(counted, COUNT_BOUND), countIsLowerBound: counted > COUNT_BOUND };
}

/** The first `n` records of the declared replay `name`, annotated as the replay engine emits them. */
export async function previewDeclaredReplay(ctx: PumpContext, name: string, n: number): Promise<EmitPreview> {
  const step = findReplay(ctx, name);
  if (!step) throw new EmitPreviewRefused(`no served pipeline file declares replay '${name}'`, 404);
  await routerFor(ctx, step.into);
  const archive = ctx.plan.steps.find((s): s is ArchiveStep => s.kind === 'archive' && s.reservoir === step.reservoir);
  const reservoir = archive && archive.via === 'archiver' ? openReservoirStore(archive.reservoir, archive.location, ctx.cwd) : null;
  const summary = await runReplay(
    step,
    { streams: ctx.streams, destination: ctx.destination, reservoir, home: ctx.home, ...(ctx.duckdb ? { duckdb: ctx.duckdb } : {}), maxRetries: ctx.maxRetries },
    { preview: n + 1 },
  );
  const all = summary.preview ?? [];
  const records = all.slice(0, n).map((r) => ({ partitionKey: r.partitionKey, shardId: r.shardId, data: r.data }));
  return {
    streamOut: step.into,
    records,
    count: all.length,
    countIsLowerBound: all.length > n,
    upToDate: summary.upToDate === true,
    alreadyReplayed: summary.alreadyReplayed ?? 0,
  };
}

async function routerFor(ctx: PumpContext, stream: string): Promise<ShardRouter> {
  const shards = (await ctx.destination.describeStream(stream)) ? await ctx.destination.listShards(stream) : null;
  const router = shards ? new ShardRouter(shards) : null;
  if (!router || router.size === 0) throw new EmitPreviewRefused(`stream '${stream}' does not exist (or has no open shard)`, 404, 'streamOut');
  return router;
}
