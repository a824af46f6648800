// The records a replay sends (on DuckDB; on Drill see drill-source.ts): the step's pushed-down DuckDB SQL (filter, bounds, compaction,
// order and limit all run there) on the target's SqlEngine, streamed a batch at a time in origin
// order so memory stays flat however many rows it returns. Binds the SQL's named inputs first.

import { findInput } from '../../compiler/plan/inputs.ts';
import { listArchivedFiles } from '../query/reservoir-snapshot.ts';
import type { SqlEngine, SqlEngineRequest, SqlValue } from '../query/sql-engine.ts';
import type { ReservoirStore } from '../reservoir/store.ts';
import { openReservoirStore } from '../reservoir/open-store.ts';
import type { TargetRuntime } from '../target/target-runtime.ts';
import { isProcessAlive } from '../pid-lock.ts';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Plan, ReplayStep, ReservoirViewsStep } from '../../compiler/plan/types.ts';
import type { StreamService } from '../kinesis/stream-service.ts';
import type { ArchiveCheckpoint } from '../reservoir/checkpoint.ts';
import { loadLiveTable } from './live-table.ts';
import { isReplayError, ReplayError } from './replay-errors.ts';
import { cutWithoutLive, type SourceCut } from './watermark.ts';
import { DrillReplaySource } from './drill-source.ts';
import type { SqlEngineName } from '../drill/engine-choice.ts';

/** One row of the replay SQL: a reservoir record and its place in the replay order. */
export interface SourceRow {
  /** 1-based position in the SQL's order (which is total: origin position). */
  readonly ordinal: number;
  readonly stream: string;
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly subSequenceNumber: number;
  readonly partitionKey: string;
  readonly arrivalTime: string;
  /** The payload as JSON text. */
  readonly payload: string;
}

/** What the replay reads its records from, whichever engine runs its SQL. */
export interface ReplayRowSource {
  /** Where the replay ends in the source stream. */
  readonly cut: SourceCut;
  /** Live records read up to the cut (0 when the source has none). */
  readonly liveRecords: number;
  count(): Promise<number>;
  rows(): AsyncGenerator<SourceRow>;
  close(): Promise<void>;
}

export interface SourceOptions {
  readonly step: ReplayStep;
  /** The engine `openEngine` opens (the target runtime's choice): DuckDB runs the plan's DuckDB SQL, Drill its Drill SQL (drill-source.ts). Default duckdb. */
  readonly engine?: SqlEngineName;
  /** The target's SQL engine (TargetRuntime.openSqlEngine); the source closes it. */
  readonly openEngine: (request: SqlEngineRequest) => Promise<SqlEngine>;
  /** The reservoir's store, whose files the archive input is bound to (null: no files, no rows). */
  readonly store: ReservoirStore | null;
  readonly streams: StreamService;
  readonly archive: ArchiveCheckpoint | null;
  /** The plan the step is from (a live-only replay on Drill needs its reservoir views' workspace). */
  readonly plan?: Pick<Plan, 'steps'>;
  /** A resumed run's cut, reused as is. */
  readonly bound?: SourceCut;
  readonly threads?: number;
  readonly memoryLimit?: string;
  /** Folder for DuckDB's spill files and the live records file (default: the system's temp folder). */
  readonly scratchRoot?: string;
  readonly signal?: AbortSignal;
}

/** DuckDB's own budget; the process adds ~200 MB (node, one chunk, one batch) on top. */
export const DEFAULT_MEMORY_LIMIT = '512MB';

const COLUMNS = ['stream', 'shard_id', 'sequence_number', 'sub_sequence_number', 'partition_key', 'arrival_time', 'payload'] as const;

export class ReplaySource implements ReplayRowSource {
  private constructor(
    private readonly step: ReplayStep,
    private readonly engine: SqlEngine,
    private readonly scratch: string,
    /** Where the replay ends in the source stream. */
    readonly cut: SourceCut,
    /** Live records loaded into the live table (0 when the source has none). */
    readonly liveRecords: number,
  ) {}

  /**
   * Opens the SQL engine, takes the cut, and binds the SQL's inputs: the live table first, then the
   * archive to the files listed after it (a file published meanwhile may repeat live records, which
   * the SQL de-duplicates; one listed before could miss records archived in between).
   */
  static async open(options: SourceOptions): Promise<ReplayRowSource> {
    if (options.engine === 'drill') return DrillReplaySource.open(options);
    const { step } = options;
    const scratch = await makeScratch(options.scratchRoot ?? os.tmpdir());
    let engine: SqlEngine | null = null;
    try {
      engine = await duckdb(step, 'start', () =>
        options.openEngine({
          threads: options.threads ?? 2,
          // 512MB keeps a 5M-record compaction under 1 GiB of RSS in all (bench/compaction-memory.ts).
          memoryLimit: options.memoryLimit ?? DEFAULT_MEMORY_LIMIT,
          // Sorting and compaction spill here rather than failing when over memory_limit.
          spillDirectory: path.join(scratch, 'spill'),
          preserveOrder: true,
        }),
      );
      const opened = engine;
      let cut: SourceCut;
      let liveRecords = 0;
      const signal = options.signal ? { signal: options.signal } : {};
      const bound = options.bound ? { bound: options.bound } : {};
      const liveInput = findInput(step.inputs, 'live');
      if (liveInput) {
        const live = await loadLiveTable({ exec: (sql) => duckdb(step, 'load the live records', () => opened.exec(sql)) }, options.streams, {
          table: liveInput.relation.duckdb,
          stream: step.stream,
          archive: options.archive,
          scratchFolder: scratch,
          ...bound,
          ...signal,
        });
        cut = live.cut;
        liveRecords = live.records;
      } else {
        cut = await cutWithoutLive(options.streams, step.stream, options);
      }
      const archiveInput = findInput(step.inputs, 'archive');
      if (archiveInput) {
        const files = options.store ? await listArchivedFiles(options.store, archiveInput.format, archiveInput.partition) : [];
        await duckdb(step, 'bind the archived files', () => opened.bindArchive(archiveInput, files.map((f) => f.url)));
      }
      return new ReplaySource(step, engine, scratch, cut, liveRecords);
    } catch (err) {
      await engine?.close().catch(() => {});
      await fs.rm(scratch, { recursive: true, force: true });
      throw err;
    }
  }

  /** How many rows the SQL returns (for progress): DuckDB drops the ORDER BY to count. */
  async count(): Promise<number> {
    const rows = await this.run(() => this.engine.rows(`SELECT count(*) AS n FROM (${this.sql()}) AS replayed`), "count the replay's rows");
    return Number(rows[0][0]);
  }

  /** The rows in the SQL's order, fetched a batch (at most a DuckDB chunk, 2,048 rows) at a time. */
  async *rows(): AsyncGenerator<SourceRow> {
    const result = await this.run(() => this.engine.stream(this.sql()));
    const names = result.columns.map((c) => c.name);
    const index = COLUMNS.map((c) => names.indexOf(c));
    if (index.some((i) => i < 0)) throw new Error(`the replay SQL returns columns ${names.join(', ')}, not ${COLUMNS.join(', ')}`);
    const [stream, shard, seq, sub, key, arrival, payload] = index;
    let ordinal = 0;
    for (;;) {
      const batch = await this.run(() => result.next());
      if (batch === null) return;
      for (const row of batch) {
        yield {
          ordinal: ++ordinal,
          stream: text(row[stream]),
          shardId: text(row[shard]),
          sequenceNumber: text(row[seq]),
          subSequenceNumber: Number(row[sub] ?? 0),
          partitionKey: text(row[key]),
          arrivalTime: text(row[arrival]),
          // The JSON type comes back as its text.
          payload: row[payload] === null ? 'null' : text(row[payload]),
        };
      }
    }
  }

  async close(): Promise<void> {
    await this.engine.close();
    await fs.rm(this.scratch, { recursive: true, force: true });
  }

  private sql(): string {
    // The plan's SQL as is, without its trailing semicolon if any, so it nests as a subquery.
    return this.step.sql.duckdb.trim().replace(/;$/, '');
  }

  private async run<T>(call: () => Promise<T>, doing = 'run the replay query'): Promise<T> {
    try {
      return await call();
    } catch (err) {
      const message = (err as Error).message ?? '';
      if (/No files found that match the pattern/i.test(message)) {
        throw new ReplayError('WS756', { reservoir: this.step.reservoir, why: message.split('\n')[0] }, { cause: err });
      }
      throw duckdbError(this.step, doing, err);
    }
  }
}

/**
 * Where the archive input's files are listed: the reservoir's store when the context has it (the
 * archiver's), else the store at the input's location (a Firehose reservoir's files are read too).
 */
export function archiveStore(step: ReplayStep, reservoir: ReservoirStore | null, runtime?: Pick<TargetRuntime, 'store'>, plan?: Pick<Plan, 'steps'>): ReservoirStore | null {
  // A live-only replay's reservoir (where a Drill replay writes its snapshot): its views' archive input.
  const views = plan?.steps.find((s): s is ReservoirViewsStep => s.kind === 'reservoir-views' && s.reservoir === step.reservoir);
  const input = findInput(step.inputs, 'archive') ?? (views ? findInput(views.inputs, 'archive') : undefined);
  if (!input) return null;
  return reservoir ?? (runtime ? runtime.store(input.reservoir, input.location) : openReservoirStore(input.reservoir, input.location));
}

/** Runs a DuckDB call; its failure becomes a coded one-line error with the fix (WS762). */
async function duckdb<T>(step: ReplayStep, doing: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw duckdbError(step, doing, err);
  }
}

/** A value of the replay SQL's result as text: JSON and decimals keep the engine's text. */
function text(value: SqlValue): string {
  return value !== null && typeof value === 'object' && (value.kind === 'json' || value.kind === 'decimal') ? value.text : String(value);
}

/** A DuckDB failure as WS762: its first line, and a fix that fits what failed. */
export function duckdbError(step: ReplayStep, doing: string, err: unknown): unknown {
  if (isReplayError(err)) return err;
  const first = String((err as Error)?.message ?? err).split('\n')[0].trim();
  const file = /(?:file|in file)\s+"?([^"\s]+\.(?:json|parquet))"?/i.exec(first)?.[1];
  let hint: string;
  if (/malformed json|json.*(parse|invalid)|invalid.*json/i.test(first)) {
    hint = `${file ? 'the file named above' : 'a reservoir file'} is not valid JSON: restore it from a copy, or move it out of ${step.reservoir}'s folders, then run the replay again`;
  } else if (/out of memory|memory limit/i.test(first)) {
    hint = `give DuckDB more memory: set duckdb.memoryLimit in the target configuration (--conf), e.g. {"duckdb": {"memoryLimit": "2GB"}}`;
  } else if (/conversion|could not convert|cast/i.test(first)) {
    hint = `a value in the reservoir does not have the type the replay's where clause compares it with; compare it as text (quote the literal) or narrow the where clause`;
  } else {
    hint = `check the replay's where clause and the reservoir's files; 'wshed plan FILE --sql' shows the SQL the replay runs`;
  }
  return new ReplayError('WS762', { replay: step.name, doing, why: first || 'unknown error', hint }, { cause: err });
}

/** A scratch folder named after this process; those of dead processes (crashed runs) are removed. */
async function makeScratch(root: string): Promise<string> {
  await fs.mkdir(root, { recursive: true });
  for (const name of await fs.readdir(root)) {
    const pid = /^wshed-replay-(\d+)-/.exec(name)?.[1];
    if (pid && !isProcessAlive(Number(pid))) await fs.rm(path.join(root, name), { recursive: true, force: true });
  }
  return fs.mkdtemp(path.join(root, `wshed-replay-${process.pid}-`));
}
