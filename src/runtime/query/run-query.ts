// `wshed query`: runs SQL (or a saved query) against the plan's reservoir views on DuckDB and
// streams the rows to `out`, preparing only the reservoirs the SQL reads.

import path from 'node:path';
import type { ArchiveStep, Plan, QueryStep, ReservoirView, ReservoirViewsStep } from '../../compiler/plan/types.ts';
import type { StreamService } from '../kinesis/stream-service.ts';
import { firehoseLiveSince } from '../reservoir/live.ts';
import { openReservoirStore } from '../reservoir/open-store.ts';
import type { ReservoirStore } from '../reservoir/store.ts';
import { RuntimeError } from '../runtime-error.ts';
import type { TargetRuntime } from '../target/target-runtime.ts';
import { openEmbeddedSqlEngine } from '../target/embedded-sql.ts';
import type { DuckDbSettings } from './duckdb-engine.ts';
import { loadLiveTable } from './live-table.ts';
import { createJsonLineWriter, createRowWriter, writeAllBatches, writesJsonObjects, type OutputFormat } from './output.ts';
import { PayloadSample, type PayloadStructure } from './payload-structure.ts';
import { payloadUsage, type PayloadUsage } from './payload-usage.ts';
import { listArchivedFiles, samplePayloads, splitByOverlap, type SnapshotFile } from './reservoir-snapshot.ts';
import { boundedSql, checkOneStatement, checkParsedSelect, checkReadOnly, isConfinementError, type QuerySandbox } from './sandbox.ts';
import { quoteString, SqlError, type SqlEngine, type SqlValue } from './sql-engine.ts';
import { cachedArchiveSample } from './structure-cache.ts';
import { defineReservoirViews, METADATA_COLUMNS, PAYLOAD_COLUMN } from './views.ts';

export type QueryText = { readonly sql: string; readonly name?: undefined } | { readonly name: string; readonly sql?: undefined };

export type QueryRunOptions = QueryText & {
  readonly plan: Plan;
  /** Folder that relative reservoir paths in the plan are relative to. */
  readonly cwd: string;
  /** Null: the local service is not running, so live views are empty (and a note says so). */
  readonly streams: StreamService | null;
  readonly format: OutputFormat;
  readonly out: NodeJS.WritableStream;
  readonly duckdb?: DuckDbSettings;
  /** The target runtime's SQL engine and reservoir stores (default: DuckDB with `duckdb`, stores opened from the locations). */
  readonly runtime?: Pick<TargetRuntime, 'openSqlEngine' | 'store'>;
  /** SQL from others (the job service): one read-only statement, files only in the reservoirs (sandbox.ts). */
  readonly sandbox?: QuerySandbox;
  /** A folder where the payload sample of each reservoir's archived files is kept between queries (structure-cache.ts); none: sampled each time. */
  readonly structureCache?: string;
};

export interface QueryRunResult {
  readonly rows: number;
  readonly columns: string[];
  /** Things the user should know about the answer (empty live views, keys that are not columns…). */
  readonly notes: string[];
  readonly durationMs: number;
}

/** Live records sampled for the payload structure, beside the archived files' first lines. */
const LIVE_SAMPLE_ROWS = 2048;
const SQL_SAMPLE_ROWS = 4096;

export async function runQuery(o: QueryRunOptions): Promise<QueryRunResult> {
  const started = performance.now();
  const sql = o.sql ?? savedQuerySql(o.plan, o.name!);
  const reservoirs = reservoirSteps(o.plan);
  const views = reservoirs.flatMap((r) => r.views.views.map((v) => v.name));
  /** Reservoirs with no record at all: their views have no payload columns yet. */
  const empty: string[] = [];
  // What DuckDB says about the user's SQL (or the data it reads) is the user's to fix; an error
  // while wshed defines its views is a bug and keeps its stack.
  const userSql = <T>(run: Promise<T>): Promise<T> =>
    run.catch((err: unknown) => {
      if (!(err instanceof SqlError)) throw err;
      if (o.sandbox && isConfinementError(err.message)) throw new RuntimeError('WS770', { what: `this (${err.message.split('\n')[0]})` });
      throw new RuntimeError('WS741', { message: err.message, hint: sqlErrorHint(err.message, views, empty) });
    });
  const engine = await (o.runtime ? o.runtime.openSqlEngine() : openEmbeddedSqlEngine(o.duckdb));
  try {
    // Parse first: a typo fails at once, before any live record is read.
    const info = await userSql(engine.inspect(sql));
    if (info.statements === 0) throw new RuntimeError('WS771', {});
    if (o.sandbox) {
      checkOneStatement(info.statements);
      await checkParsedSelect(engine, sql);
    }
    const used = reservoirsRead(reservoirs, info.tables);
    const usage: PayloadUsage = used.length > 0 ? await payloadUsage(engine, sql) : { raw: false, names: new Set() };
    const notes: string[] = [];
    for (const r of used) {
      const prepared = await prepareReservoir(engine, r, o, usage);
      notes.push(...prepared.notes);
      if (prepared.payloads === 0) empty.push(r.archive.reservoir);
    }

    let run = sql;
    if (o.sandbox) {
      // Confined once wshed's own views exist: from here on only the reservoirs' folders are readable.
      await engine.confine(localReservoirRoots(reservoirs, o.cwd));
      const described = await userSql(checkReadOnly(engine, sql));
      run = boundedSql(sql, described.columns, o.sandbox);
      if (run !== sql) await userSql(checkReadOnly(engine, run));
    }
    // JSON rows the engine renders itself, when it can (the same text, without a JS value per cell).
    const lines = writesJsonObjects(o.format) && engine.streamJsonLines ? await userSql(engine.streamJsonLines(run)) : null;
    if (lines && writesJsonObjects(o.format)) {
      const writer = createJsonLineWriter(o.format, o.out);
      const rows = await writeAllBatches(() => userSql(lines.next()), writer);
      return { rows, columns: lines.columns.map((c) => c.name), notes, durationMs: performance.now() - started };
    }
    const result = await userSql(engine.stream(run));
    const writer = createRowWriter(o.format, result.columns, o.out);
    const rows = await writeAllBatches(() => userSql(result.next()), writer);
    return { rows, columns: result.columns.map((c) => c.name), notes, durationMs: performance.now() - started };
  } finally {
    await engine.close();
  }
}

function sqlErrorHint(message: string, views: readonly string[], empty: readonly string[]): string {
  const missing = /Referenced column "([^"]+)" not found/.exec(message)?.[1];
  if (missing && empty.length > 0) {
    return `${empty.map((r) => `'${r}'`).join(', ')} holds no records yet, so its views have only metadata columns and payload`;
  }
  if (missing) {
    // Payload keys become columns from a sample: a rare key can be missing from it.
    return `'DESCRIBE <view>' lists a view's columns; a payload key that is not one is still in payload->>'${missing}'`;
  }
  return `fix the SQL; the views are ${views.join(', ') || '(none)'}, and 'DESCRIBE <view>' lists a view's columns`;
}

/** The folders of the plan's local reservoirs (what a sandboxed query may read). */
function localReservoirRoots(reservoirs: readonly ReservoirSteps[], cwd: string): string[] {
  return reservoirs.flatMap((r) => (r.archive.location.kind === 'local' ? [path.resolve(cwd, r.archive.location.path)] : []));
}

/** The SQL of the pipeline's saved query `name`. */
export function savedQuerySql(plan: Plan, name: string): string {
  const queries = plan.steps.filter((s): s is QueryStep => s.kind === 'query');
  const query = queries.find((q) => q.name === name);
  if (!query) throw new RuntimeError('WS742', { name, known: queries.map((q) => q.name).join(', ') || '(none)' });
  return query.sql.duckdb;
}

interface ReservoirSteps {
  readonly views: ReservoirViewsStep;
  readonly archive: ArchiveStep;
  /** Whether the SQL may read live records of this reservoir (false when it names `<r>_archived` only). */
  readonly readsLive: boolean;
  /** The views the SQL names; null: it may read any. */
  readonly roles: ReadonlySet<ReservoirView['role']> | null;
}

function reservoirSteps(plan: Plan): ReservoirSteps[] {
  return plan.steps
    .filter((s): s is ReservoirViewsStep => s.kind === 'reservoir-views')
    .map((views) => {
      const archive = plan.steps.find((s): s is ArchiveStep => s.kind === 'archive' && s.reservoir === views.reservoir);
      if (!archive) throw new Error(`the plan has views but no archive step for reservoir '${views.reservoir}'`);
      return { views, archive, readsLive: true, roles: null };
    });
}

/**
 * The reservoirs whose views (or live table) the SQL names; all when the engine cannot tell.
 * DuckDB's table names come back empty for some queries that do read tables (a JOIN … USING),
 * so an empty list counts as not knowing.
 */
function reservoirsRead(reservoirs: readonly ReservoirSteps[], tables: readonly string[] | null): ReservoirSteps[] {
  if (tables === null || tables.length === 0) return [...reservoirs];
  const read = new Set(tables.map((t) => t.toLowerCase()));
  return reservoirs.flatMap((r) => {
    const names = r.views.views.filter((v) => read.has(v.name.toLowerCase()));
    const liveTable = read.has(r.views.reservoir.toLowerCase());
    if (names.length === 0 && !liveTable) return [];
    return [{ ...r, readsLive: liveTable || names.some((v) => v.role !== 'archived'), roles: new Set(names.map((v) => v.role)) }];
  });
}

/** Loads the live table, lists the files, infers the payload's fields and defines the three views. */
async function prepareReservoir(
  engine: SqlEngine,
  r: ReservoirSteps,
  o: QueryRunOptions,
  usage: PayloadUsage,
): Promise<{ notes: string[]; payloads: number }> {
  const notes: string[] = [];
  const store = o.runtime ? o.runtime.store(r.archive.reservoir, r.archive.location) : openReservoirStore(r.archive.reservoir, r.archive.location, o.cwd);
  // A query of `<r>_archived` alone needs no live records: the stream is not read at all.
  const live = await loadLiveTable(engine, {
    reservoir: r.archive.reservoir,
    stream: r.archive.stream,
    store,
    streams: o.streams,
    wanted: r.readsLive,
    // Firehose keeps no checkpoint: live is the window it may not have delivered yet (reservoir/live.ts).
    ...(r.archive.via === 'firehose' ? { since: firehoseLiveSince(r.archive.everySeconds) } : {}),
  });
  if (live.note) notes.push(live.note);
  // Listed after the live records were read: see splitByOverlap and duckdb-inputs.ts.
  const files = await listArchivedFiles(store, r.archive.format, r.archive.partition);
  if (files.length === 0) notes.push(`reservoir '${r.archive.reservoir}' has no archived files yet`);
  const structure = await inferStructure(engine, r, store, files, live.rows > 0 ? live.table : null, o.structureCache);
  if (structure.skipped.length > 0) {
    notes.push(`payload keys of '${r.archive.reservoir}' that are not columns (reach them through payload): ${structure.skipped.join(', ')}`);
  }
  const definitions = defineReservoirViews(
    { views: r.views, archive: r.archive, files: splitByOverlap(files, live.firstSequence), liveRows: live.rows, structure, ...(r.roles ? { wanted: r.roles } : {}) },
    usage,
  );
  for (const b of definitions.bindings) await engine.bindArchive(b.input, b.files, { as: b.as, ...(b.payloadType ? { payloadType: b.payloadType } : {}) });
  // One round trip for all of them.
  if (definitions.statements.length > 0) await engine.exec(definitions.statements.join(';\n'));
  return { notes, payloads: structure.sampled };
}

async function inferStructure(
  engine: SqlEngine,
  r: ReservoirSteps,
  store: ReservoirStore,
  files: readonly SnapshotFile[],
  liveTable: string | null,
  cache: string | undefined,
): Promise<PayloadStructure> {
  const addJson = (sample: PayloadSample, rows: SqlValue[][]) => {
    for (const [v] of rows) if (v !== null && typeof v === 'object' && v.kind === 'json') sample.add(JSON.parse(v.text));
  };
  const takeArchiveSample = async (): Promise<PayloadSample> => {
    const sample = PayloadSample.empty();
    if (r.archive.format === 'json') for (const payload of await samplePayloads(store, files)) sample.add(payload);
    else if (files.length > 0) {
      // Parquet (read by column): the first rows of a few files through SQL.
      const urls = files.filter((_, i) => i % Math.ceil(files.length / 8) === 0).map((f) => quoteString(f.url));
      const scan =
        r.archive.format === 'parquet'
          ? `read_parquet([${urls.join(', ')}])`
          : `read_json([${urls.join(', ')}], format = 'newline_delimited', columns = {'payload': 'JSON'})`;
      addJson(sample, await engine.rows(`SELECT json(payload) FROM ${scan} LIMIT ${SQL_SAMPLE_ROWS}`));
    }
    return sample;
  };
  // Archived payloads first, then live ones: keys keep their first-seen order either way.
  const sample = cache && files.length > 0 ? await cachedArchiveSample(cache, files, takeArchiveSample) : await takeArchiveSample();
  if (liveTable) addJson(sample, await engine.rows(`SELECT payload FROM ${liveTable} USING SAMPLE ${LIVE_SAMPLE_ROWS} ROWS`));
  return sample.structure([...METADATA_COLUMNS, PAYLOAD_COLUMN]);
}
