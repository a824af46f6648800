// Fills the DuckDB table the replay SQL reads live records from (`wshed_live."<reservoir>"`): the
// records past the archive checkpoint up to the cut, in the reservoir record layout. The records
// go through an NDJSON file so memory stays flat however many there are; the cut is taken by the
// same read (watermark.ts), so the table holds exactly the live records before the watermark.

import { createWriteStream, type WriteStream } from 'node:fs';
import { DUCKDB_LIVE_SCHEMA } from '../../compiler/sql/dialects/duckdb.ts';
import { deaggregate } from '../kinesis/kpl.ts';
import { recordColumnsDdl, recordColumnsSpec } from '../query/record-table.ts';
import { quoteIdent, quoteString, type SqlEngine } from '../query/sql-engine.ts';
import type { KinesisRecord, StreamService } from '../kinesis/stream-service.ts';
import type { ArchiveCheckpoint } from '../reservoir/checkpoint.ts';
import { checkPayload, reservoirLine } from '../reservoir/record-encoding.ts';
import { captureAtTip, type SourceCut } from './watermark.ts';


export interface LiveLoad {
  readonly cut: SourceCut;
  /** User records loaded. */
  readonly records: number;
  /** Records whose data is not JSON: never replayed (the archiver quarantines them). */
  readonly skipped: number;
}

export interface LiveLoadOptions {
  /** The table as the plan's SQL names it (`ReplayInputs.duckdbLiveTable`). */
  readonly table: string;
  readonly stream: string;
  readonly archive: ArchiveCheckpoint | null;
  /** A resumed run's cut: load up to it rather than to the tips. */
  readonly bound?: SourceCut;
  /** Scratch file for the NDJSON lines (removed by the caller with its folder). */
  readonly scratchFile: string;
  readonly signal?: AbortSignal;
}

export async function loadLiveTable(engine: Pick<SqlEngine, 'exec'>, streams: StreamService, options: LiveLoadOptions): Promise<LiveLoad> {
  const out = createWriteStream(options.scratchFile);
  let records = 0;
  let skipped = 0;
  const onRecord = async (shardId: string, record: KinesisRecord) => {
    const unpacked = deaggregate(record);
    if (!unpacked.ok) {
      skipped++;
      return;
    }
    const arrivalTime = record.arrivalTime.toISOString();
    let lines = '';
    for (const user of unpacked.records) {
      const payload = checkPayload(user.data, user.partitionKey);
      if (!payload.ok) {
        skipped++;
        continue;
      }
      const meta = {
        stream: options.stream,
        shardId,
        sequenceNumber: record.sequenceNumber,
        subSequenceNumber: user.subSequenceNumber,
        partitionKey: user.partitionKey,
        arrivalTime,
      };
      lines += reservoirLine(meta, payload.text);
      records++;
    }
    if (lines !== '' && !out.write(lines)) await drained(out);
  };
  let cut: SourceCut;
  try {
    cut = await captureAtTip(streams, options.stream, {
      archive: options.archive,
      onRecord,
      ...(options.bound ? { bound: options.bound } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } finally {
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }

  await engine.exec(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(DUCKDB_LIVE_SCHEMA)}`);
  await engine.exec(`CREATE OR REPLACE TABLE ${options.table} (${recordColumnsDdl()})`);
  if (records > 0) {
    await engine.exec(
      `INSERT INTO ${options.table} SELECT * FROM read_json(${quoteString(options.scratchFile)}, format = 'newline_delimited', columns = ${recordColumnsSpec()})`,
    );
  }
  return { cut, records, skipped };
}

function drained(out: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = () => {
      out.off('error', onError);
      resolve();
    };
    const onError = (err: Error) => {
      out.off('drain', onDrain);
      reject(err);
    };
    out.once('drain', onDrain);
    out.once('error', onError);
  });
}
