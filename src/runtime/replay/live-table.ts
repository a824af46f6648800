// Fills the table the replay SQL reads live records from (`wshed_live."<reservoir>"`): the records
// past the archive checkpoint up to the cut, in the reservoir record layout, read by the one live
// reader and loaded as queries load theirs (query/live-table.ts insertLiveRecords). The cut is taken
// by the same read (watermark.ts), so the table holds exactly the live records before the watermark.

import { DUCKDB_LIVE_SCHEMA } from '../../compiler/sql/dialects/duckdb.ts';
import { insertLiveRecords } from '../query/live-table.ts';
import { recordColumnsDdl } from '../query/record-table.ts';
import { quoteIdent, type SqlEngine } from '../query/sql-engine.ts';
import type { StreamService } from '../kinesis/stream-service.ts';
import type { ArchiveCheckpoint } from '../reservoir/checkpoint.ts';
import type { SourceCut } from './watermark.ts';

export interface LiveLoad {
  readonly cut: SourceCut;
  /** User records loaded. */
  readonly records: number;
  /** Records whose data is not JSON: never replayed (the archiver quarantines them). */
  readonly skipped: number;
}

export interface LiveLoadOptions {
  /** The table as the plan's SQL names it (the live input's `relation.duckdb`). */
  readonly table: string;
  readonly stream: string;
  readonly archive: ArchiveCheckpoint | null;
  /** A resumed run's cut: load up to it rather than to the tips. */
  readonly bound?: SourceCut;
  /** Scratch folder for the NDJSON lines (removed by the caller). */
  readonly scratchFolder: string;
  readonly signal?: AbortSignal;
}

export async function loadLiveTable(engine: Pick<SqlEngine, 'exec'>, streams: StreamService, options: LiveLoadOptions): Promise<LiveLoad> {
  await engine.exec(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(DUCKDB_LIVE_SCHEMA)}`);
  await engine.exec(`CREATE OR REPLACE TABLE ${options.table} (${recordColumnsDdl()})`);
  return insertLiveRecords(
    engine,
    options.table,
    streams,
    {
      stream: options.stream,
      checkpoint: options.archive,
      ...(options.bound ? { bound: options.bound } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    },
    options.scratchFolder,
  );
}
