// Fills `wshed_live."<reservoir>"`, the table the plan's SQL reads live records from: every record
// still in the stream past the archive checkpoint, in the reservoir record layout, read by the one
// live reader (reservoir/live.ts) and bulk-loaded by insertLiveRecords, which replays use too.

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DUCKDB_LIVE_SCHEMA } from '../../compiler/sql/dialects/duckdb.ts';
import type { StreamService } from '../kinesis/stream-service.ts';
import { readArchiveCheckpoint } from '../reservoir/checkpoint.ts';
import { readLive, type LiveReadOptions } from '../reservoir/live.ts';
import { reservoirLine } from '../reservoir/record-encoding.ts';
import type { SourceCut } from '../replay/watermark.ts';
import type { ReservoirStore } from '../reservoir/store.ts';
import { recordColumnsDdl, recordColumnsSpec } from './record-table.ts';
import { quoteIdent, quoteString, type SqlEngine } from './sql-engine.ts';
import { plural } from '../../compiler/format-numbers.ts';


export interface LiveTableRequest {
  readonly reservoir: string;
  readonly stream: string;
  readonly store: ReservoirStore;
  /** Null when the local service is not running: the table is created empty. */
  readonly streams: StreamService | null;
  /** False: the query reads no live records, so the table stays empty without reading the stream. */
  readonly wanted: boolean;
  /** Records that arrived earlier are left out (a Firehose reservoir's live window; see reservoir/live.ts). */
  readonly since?: Date;
  /** No SQL of this query can name the table (and `wanted` is false or `streams` null): it is not created at all. */
  readonly unnamed?: boolean;
}

export interface LiveTable {
  /** `wshed_live."<reservoir>"`, quoted. */
  readonly table: string;
  readonly rows: number;
  /** Records whose data is not JSON (the archiver quarantines them; SQL cannot read them). */
  readonly skipped: number;
  /** Per shard, the smallest live sequence number: archived files past it may repeat live records. */
  readonly firstSequence: ReadonlyMap<string, bigint>;
  /** Why the table is empty, when it is empty for a reason the user should know. */
  readonly note: string | null;
}

export async function loadLiveTable(engine: SqlEngine, request: LiveTableRequest): Promise<LiveTable> {
  const table = `${quoteIdent(DUCKDB_LIVE_SCHEMA)}.${quoteIdent(request.reservoir)}`;
  const empty = (note: string | null): LiveTable => ({ table, rows: 0, skipped: 0, firstSequence: new Map(), note });
  // Creating it cost a small query a millisecond and a half.
  if (request.unnamed && (!request.wanted || !request.streams)) return empty(request.wanted ? notRunning(request.reservoir) : null);
  await engine.exec(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(DUCKDB_LIVE_SCHEMA)}; CREATE TABLE ${table} (${recordColumnsDdl()})`);
  if (!request.wanted) return empty(null);
  if (!request.streams) return empty(notRunning(request.reservoir));
  if (!(await request.streams.describeStream(request.stream))) {
    return empty(`stream '${request.stream}' does not exist: '${request.reservoir}_live' is empty`);
  }

  const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'wshed-live-'));
  try {
    const checkpoint = await readArchiveCheckpoint(request.store);
    const { skipped } = await insertLiveRecords(engine, table, request.streams, { stream: request.stream, checkpoint, ...(request.since ? { since: request.since } : {}) }, folder);
    const firstSequence = new Map<string, bigint>();
    let rows = 0;
    for (const [shard, first, count] of await engine.rows(
      `SELECT shard_id, min(lpad(sequence_number, 64, '0')), count(*) FROM ${table} GROUP BY shard_id`,
    )) {
      firstSequence.set(String(shard), BigInt(String(first)));
      rows += Number(count);
    }
    const note = skipped > 0 ? `${plural(skipped, 'live record')} of stream '${request.stream}' ${skipped === 1 ? 'is' : 'are'} not JSON and cannot be queried` : null;
    return { table, rows, skipped, firstSequence, note };
  } finally {
    await fs.rm(folder, { recursive: true, force: true });
  }
}

const notRunning = (reservoir: string) => `the local Kinesis service is not running: '${reservoir}_live' is empty and '${reservoir}' holds archived records only`;

/**
 * Reads the live records (to the tip, or to `options.bound`) into `table`, which exists with the
 * record columns. Bulk load: the lines go to an NDJSON file in `folder` (the caller removes it)
 * that DuckDB reads in parallel, far faster than inserting row by row, and only one batch of lines
 * is in memory at a time. Returns the cut the read took, with what it loaded and skipped.
 */
export async function insertLiveRecords(
  engine: Pick<SqlEngine, 'exec'>,
  table: string,
  streams: StreamService,
  options: LiveReadOptions,
  folder: string,
): Promise<{ readonly cut: SourceCut; readonly records: number; readonly skipped: number }> {
  const file = path.join(folder, 'live.json');
  const handle = await fs.open(file, 'w');
  let records = 0;
  let skipped = 0;
  let cut: SourceCut;
  try {
    const onSkipped: LiveReadOptions['onSkipped'] = (s) => {
      skipped++;
      options.onSkipped?.(s);
    };
    cut = await readLive(streams, { ...options, onSkipped }, async (batch) => {
      await handle.write(batch.map((r) => reservoirLine(r.meta, r.text)).join(''));
      records += batch.length;
    });
  } finally {
    await handle.close();
  }
  if (records > 0) {
    await engine.exec(
      `INSERT INTO ${table} SELECT * FROM read_json(${quoteString(file)}, format = 'newline_delimited', ` +
        `columns = ${recordColumnsSpec()}, maximum_object_size = 16777216)`,
    );
  }
  return { cut, records, skipped };
}
