// The records a replay sends, read through Drill: the live records past the archive checkpoint
// written as the replay's own snapshot (its cut; a resumed run rewrites the same records from its
// recorded cut), then the plan's Drill SQL with that snapshot bound in (views.ts replayDrillSql),
// streamed a batch at a time. Each payload is its archived text written as DuckDB writes it
// (duckdb-json.ts), so a replay emits the same bytes on either engine.

import { findInput } from '../../compiler/plan/inputs.ts';
import type { ReplayStep, ReservoirViewsStep } from '../../compiler/plan/types.ts';
import { PAYLOAD_TEXT } from '../../compiler/sql/index.ts';
import { removeLiveSnapshot, writeLiveSnapshot, type LiveSnapshot } from '../drill/live-snapshot.ts';
import { replayDrillSql } from '../drill/views.ts';
import type { DrillClient } from '../drill/client.ts';
import { ensureLocalWorkspaces } from '../drill/local-workspaces.ts';
import { listArchivedFiles } from '../query/reservoir-snapshot.ts';
import { SqlError, type SqlEngine, type SqlValue } from '../query/sql-engine.ts';
import type { ReservoirStore } from '../reservoir/store.ts';
import { isRuntimeError, RuntimeError } from '../runtime-error.ts';
import { duckdbJsonText } from './duckdb-json.ts';
import { ReplayError } from './replay-errors.ts';
import type { SourceOptions, SourceRow } from './source.ts';
import { cutWithoutLive, type SourceCut } from './watermark.ts';

const COLUMNS = ['stream', 'shard_id', 'sequence_number', 'sub_sequence_number', 'partition_key', 'arrival_time', PAYLOAD_TEXT] as const;

export class DrillReplaySource {
  private constructor(
    private readonly step: ReplayStep,
    private readonly engine: SqlEngine,
    private readonly store: ReservoirStore,
    private readonly snapshot: LiveSnapshot | null,
    private readonly sql: string | null,
    readonly cut: SourceCut,
    readonly liveRecords: number,
    /** Stops listening for Ctrl-C. */
    private readonly detach: () => void,
  ) {}

  static async open(options: SourceOptions): Promise<DrillReplaySource> {
    const { step, store } = options;
    const liveInput = findInput(step.inputs, 'live');
    // A live-only replay reads its snapshot through the reservoir's workspace, named by its views step.
    const views = options.plan?.steps.find((s): s is ReservoirViewsStep => s.kind === 'reservoir-views' && s.reservoir === step.reservoir);
    const archiveInput = findInput(step.inputs, 'archive') ?? (views ? findInput(views.inputs, 'archive') : undefined);
    if (!archiveInput || !store) throw new ReplayError('WS856', { replay: step.name });
    const readsArchive = findInput(step.inputs, 'archive') !== undefined;
    const engine = await drill(step, 'start', () => options.openEngine({}));
    // Ctrl-C: the query is cancelled on Drill at once (closing the engine does), even one still
    // sorting before its first row; the replay then stops after the batch in flight, as on DuckDB.
    const stopOnAbort = () => void engine.close().catch(() => {});
    options.signal?.addEventListener('abort', stopOnAbort, { once: true });
    const detach = () => options.signal?.removeEventListener('abort', stopOnAbort);
    let snapshot: LiveSnapshot | null = null;
    try {
      // A reservoir in a local folder is a workspace of the plan's plugin on a Drill of this machine (as for queries).
      const client = (engine as { client?: DrillClient }).client;
      if (client) await drill(step, 'make the reservoir readable', () => ensureLocalWorkspaces(client, [archiveInput], process.cwd()));
      const signal = options.signal ? { signal: options.signal } : {};
      let cut: SourceCut;
      if (liveInput) {
        snapshot = await writeLiveSnapshot(store, options.streams, {
          stream: step.stream,
          checkpoint: options.archive,
          use: 'replay',
          ...(options.bound ? { bound: options.bound } : {}),
          ...signal,
        });
        cut = snapshot.cut;
      } else {
        cut = await cutWithoutLive(options.streams, step.stream, options);
      }
      // Listed after the snapshot was written, as on DuckDB; Drill fails on a glob that matches no file.
      let oneFile: string | null = null;
      if (readsArchive) {
        const files = await listArchivedFiles(store, archiveInput.format, archiveInput.partition);
        if (files.length === 0) throw new ReplayError('WS756', { reservoir: step.reservoir, why: 'Drill cannot read a reservoir without files' });
        const root = store.location.replace(/\/+$/, '');
        const last = files[files.length - 1]!.url;
        oneFile = last.startsWith(`${root}/`) ? last.slice(root.length + 1) : null;
      }
      const sql = replayDrillSql({ steps: views ? [views] : [] }, step, snapshot, oneFile);
      return new DrillReplaySource(step, engine, store, snapshot, sql, cut, snapshot?.records ?? 0, detach);
    } catch (err) {
      detach();
      if (snapshot) await removeLiveSnapshot(store, snapshot).catch(() => {});
      await engine.close().catch(() => {});
      throw err;
    }
  }

  /** How many rows the SQL returns (for progress). */
  async count(): Promise<number> {
    if (this.sql === null) return 0;
    const rows = await drill(this.step, "count the replay's rows", () => this.engine.rows(`SELECT count(*) AS n FROM (${this.sql}) AS replayed`));
    return Number(rows[0]?.[0] ?? 0);
  }

  async *rows(): AsyncGenerator<SourceRow> {
    if (this.sql === null) return;
    const result = await drill(this.step, 'run the replay query', () => this.engine.stream(this.sql!));
    const names = result.columns.map((c) => c.name);
    const index = COLUMNS.map((c) => names.indexOf(c));
    if (index.some((i) => i < 0)) throw new Error(`the replay's Drill SQL returns columns ${names.join(', ')}, not ${COLUMNS.join(', ')}`);
    const [stream, shard, seq, sub, key, arrival, payload] = index as [number, number, number, number, number, number, number];
    let ordinal = 0;
    for (;;) {
      const batch = await drill(this.step, 'run the replay query', () => result.next());
      if (batch === null) return;
      for (const row of batch) {
        yield {
          ordinal: ++ordinal,
          stream: text(row[stream]!),
          shardId: text(row[shard]!),
          sequenceNumber: text(row[seq]!),
          // Every scalar reads as text on Drill (all_text_mode).
          subSequenceNumber: Number(row[sub] ?? 0),
          partitionKey: text(row[key]!),
          arrivalTime: text(row[arrival]!),
          payload: row[payload] === null ? 'null' : duckdbJsonText(text(row[payload]!)),
        };
      }
    }
  }

  /** Closes the engine and removes the replay's snapshot (only this replay reads it). */
  async close(): Promise<void> {
    this.detach();
    await this.engine.close();
    if (this.snapshot) await removeLiveSnapshot(this.store, this.snapshot);
  }
}

function text(value: SqlValue): string {
  return value !== null && typeof value === 'object' && 'text' in value ? String(value.text) : String(value);
}

/** Runs a Drill call; a failure of the query becomes WS855 (Drill's coded errors, unreachable and the like, pass as they are). */
async function drill<T>(step: ReplayStep, doing: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (isRuntimeError(err)) throw err;
    const first = String((err as Error)?.message ?? err).split('\n')[0]!.trim();
    let hint: string;
    if (!(err instanceof SqlError)) {
      hint = `check that Drill runs and is reachable, then run the replay again (--resume goes on from its checkpoint)`;
    } else if (/end-of-input|unexpected character|JsonParseException|malformed/i.test(first)) {
      // Drill's message names no file; DuckDB's names it, where DuckDB can read the reservoir.
      hint = `a file of '${step.reservoir}' is not valid JSON (Drill does not say which; on a local reservoir 'wshed replay FILE NAME --engine duckdb --dry-run' names it): restore it from a copy, or move it out of the reservoir's folders, then run the replay again`;
    } else if (/lists of different types/i.test(first)) {
      hint = `a payload of '${step.reservoir}' holds a list whose elements have different JSON types, which Drill cannot read; replay it with --engine duckdb, or narrow the replay's bounds to leave that file out`;
    } else {
      hint = `check the replay's where clause and the reservoir's files ('wshed plan FILE --sql' shows the Drill SQL the replay runs), and Drill's log`;
    }
    throw new RuntimeError('WS855', { replay: step.name, doing, why: first || 'unknown error', hint }, { cause: err });
  }
}
