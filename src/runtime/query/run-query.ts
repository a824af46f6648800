// `wshed query`: runs SQL (or a saved query) against the plan's reservoir views on DuckDB and
// streams the rows to `out`, preparing only the reservoirs the SQL reads.

import path from 'node:path';
import type { ArchiveStep, Plan, QueryStep, ReservoirView, ReservoirViewsStep } from '../../compiler/plan/types.ts';
import type { StreamService } from '../kinesis/stream-service.ts';
import { DUCKDB_LIVE_SCHEMA } from '../../compiler/sql/dialects/duckdb.ts';
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
import { payloadExtractionSql } from './payload-extraction.ts';
import { payloadUsage, type PayloadUsage } from './payload-usage.ts';
import { listArchivedFiles, samplePayloads, splitByOverlap, type SnapshotFile } from './reservoir-snapshot.ts';
import { boundedSql, checkOneStatement, checkParsedSelect, checkReadOnly, isConfinementError, type QuerySandbox } from './sandbox.ts';
import { quoteString, SqlError, type SqlEngine, type SqlJsonLineStream, type SqlResultStream, type SqlValue, type StreamOptions } from './sql-engine.ts';
import { cachedArchiveSample } from './structure-cache.ts';
import { inlineViews } from './view-inlining.ts';
import { defineReservoirViews, METADATA_COLUMNS, PAYLOAD_COLUMN, type ViewDefinitions } from './views.ts';

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
  const stores = new Map<ReservoirSteps, ReservoirStore>();
  const storeOf = (r: ReservoirSteps): ReservoirStore => {
    const base = reservoirs.find((b) => b.archive === r.archive)!;
    let store = stores.get(base);
    if (!store) stores.set(base, (store = o.runtime ? o.runtime.store(base.archive.reservoir, base.archive.location) : openReservoirStore(base.archive.reservoir, base.archive.location, o.cwd)));
    return store;
  };
  // With the local service not running there are no live records for the listing to follow
  // (prepareReservoir): the files of each local reservoir whose name is in the SQL's text (every
  // view's name starts with it) are listed, and their payload sample read, while DuckDB opens.
  // Used only for the reservoirs the SQL reads; a failure counts only there.
  const early = new Map<ReservoirSteps, Promise<ArchiveSnapshot>>();
  if (o.streams === null) {
    const text = sql.toLowerCase();
    for (const r of reservoirs) {
      if (r.archive.location.kind === 'local' && text.includes(r.views.reservoir.toLowerCase())) early.set(r, snapshotArchive(null, r, storeOf(r), o.structureCache));
    }
  }
  const engine = await (o.runtime ? o.runtime.openSqlEngine() : openEmbeddedSqlEngine(o.duckdb));
  // DuckDB's parse of the SQL, asked for beside inspect's: one round trip less to wait for. Used
  // only if the SQL reads a reservoir; always settled before the engine closes.
  const parsed = payloadUsage(engine, sql);
  parsed.catch(() => undefined);
  // The listed files, most likely what the views will read (prepareReservoir), set up beside it.
  if (engine.expectFiles) for (const snapshot of early.values()) snapshot.then(({ files }) => engine.expectFiles!(files.map((f) => f.url)), () => undefined);
  try {
    // Parse first: a typo fails at once, before any live record is read.
    const info = await userSql(engine.inspect(sql));
    if (info.statements === 0) throw new RuntimeError('WS771', {});
    if (o.sandbox) {
      checkOneStatement(info.statements);
      await checkParsedSelect(engine, sql);
    }
    const used = reservoirsRead(reservoirs, info.tables);
    const usage: PayloadUsage = used.length > 0 ? await parsed : { raw: false, names: new Set() };
    const notes: string[] = [];
    const reduced = new Set<string>();
    const defined: ViewDefinitions[] = [];
    for (const r of used) {
      const prepared = await prepareReservoir(engine, r, o, sql, usage, storeOf(r), early.get(reservoirs.find((b) => b.archive === r.archive)!));
      notes.push(...prepared.notes);
      for (const view of prepared.definitions.reducedPayloadViews) reduced.add(view.toLowerCase());
      if (prepared.payloads === 0) empty.push(r.archive.reservoir);
      defined.push(prepared.definitions);
    }

    // Neither rewrite is made for the job service's SQL: its checks below are of the text they run.
    // `payload->>'key'` read as a field of the views' reduced payload, when provably the same query.
    const rewritten = !o.sandbox && reduced.size > 0 ? await payloadExtractionSql(engine, usage, reduced) : null;
    // Else the views placed in the text, bound once (view-inlining.ts); created only when that is not possible.
    const inlined = !o.sandbox && rewritten === null ? inlineViews(sql, usage.serialized, defined.flatMap((d) => d.views)) : null;
    let created = false;
    const createViews = async () => {
      const statements = defined.flatMap((d) => d.statements);
      // One round trip for all of them.
      if (!created && statements.length > 0) await engine.exec(statements.join(';\n'));
      created = true;
    };
    if (inlined === null) await createViews();
    let run = rewritten ?? inlined ?? sql;
    if (o.sandbox) {
      // Confined once wshed's own views exist: from here on only the reservoirs' folders are readable.
      await engine.confine(localReservoirRoots(reservoirs, o.cwd));
      const described = await userSql(checkReadOnly(engine, sql));
      run = boundedSql(sql, described.columns, o.sandbox);
      if (run !== sql) await userSql(checkReadOnly(engine, run));
    }
    // What DuckDB says about a rewritten query before its first row it says again about the
    // user's own text (positions and all), over views created for it: run that instead. (The job
    // service's bounded text is never rewritten, so never replaced by the unbounded one.)
    // A LIMIT of the user's text still holds in the bounded one (which only adds its own).
    const shape: StreamOptions = usage.rowsAtMost !== undefined ? { rowsAtMost: usage.rowsAtMost } : {};
    const asWritten = async () => {
      await createViews();
      return begin(engine, sql, o.format, shape);
    };
    const first = begin(engine, run, o.format, shape);
    const rewrote = rewritten !== null || inlined !== null;
    const begun = await userSql(!rewrote ? first : first.catch((err: unknown) => (err instanceof SqlError ? asWritten() : Promise.reject(err))));
    // The first batch begin() read, then the rest.
    const rest = <T>(head: T | null, next: () => Promise<T | null>) => {
      let held = true;
      return () => (held ? ((held = false), Promise.resolve(head)) : userSql(next()));
    };
    const { stream } = begun;
    const rows =
      begun.kind === 'lines'
        ? await writeAllBatches(rest(begun.first, () => begun.stream.next()), createJsonLineWriter(begun.format, o.out))
        : await writeAllBatches(rest(begun.first, () => begun.stream.next()), createRowWriter(o.format, begun.stream.columns, o.out));
    return { rows, columns: stream.columns.map((c) => c.name), notes, durationMs: performance.now() - started };
  } finally {
    await parsed.catch(() => undefined);
    await engine.close();
  }
}

type Begun =
  | { readonly kind: 'lines'; readonly format: 'json' | 'ndjson'; readonly stream: SqlJsonLineStream; readonly first: string[] | null }
  | { readonly kind: 'rows'; readonly stream: SqlResultStream; readonly first: SqlValue[][] | null };

/** `sql` started, with its first rows: as JSON texts the engine renders itself when it can (the same text, without a JS value per cell). */
async function begin(engine: SqlEngine, sql: string, format: OutputFormat, options: StreamOptions): Promise<Begun> {
  const lines = writesJsonObjects(format) && engine.streamJsonLines ? await engine.streamJsonLines(sql, options) : null;
  if (lines && writesJsonObjects(format)) return { kind: 'lines', format, stream: lines, first: await lines.next() };
  const stream = await engine.stream(sql, options);
  return { kind: 'rows', stream, first: await stream.next() };
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

/** Loads the live table, lists the files, infers the payload's fields and defines the views (created by the caller, or inlined). */
async function prepareReservoir(
  engine: SqlEngine,
  r: ReservoirSteps,
  o: QueryRunOptions,
  sql: string,
  usage: PayloadUsage,
  store: ReservoirStore,
  early: Promise<ArchiveSnapshot> | undefined,
): Promise<{ notes: string[]; payloads: number; definitions: ViewDefinitions }> {
  const notes: string[] = [];
  // A query of `<r>_archived` alone needs no live records: the stream is not read at all.
  const live = await loadLiveTable(engine, {
    reservoir: r.archive.reservoir,
    stream: r.archive.stream,
    store,
    streams: o.streams,
    wanted: r.readsLive,
    // Firehose keeps no checkpoint: live is the window it may not have delivered yet (reservoir/live.ts).
    ...(r.archive.via === 'firehose' ? { since: firehoseLiveSince(r.archive.everySeconds) } : {}),
    // With no live record the archiver's unified view is the archive (views.ts); the live view and
    // a SQL that names the live schema itself (a text search: a false match only creates the table) read it.
    unnamed: r.archive.via === 'archiver' && r.roles !== null && !r.roles.has('live') && !sql.toLowerCase().includes(DUCKDB_LIVE_SCHEMA),
  });
  if (live.note) notes.push(live.note);
  // Listed after the live records were read: see splitByOverlap and duckdb-inputs.ts.
  const { files, sample } = await (early ?? snapshotArchive(engine, r, store, o.structureCache));
  if (files.length === 0) notes.push(`reservoir '${r.archive.reservoir}' has no archived files yet`);
  const structure = await inferStructure(engine, r, store, files, sample, live.rows > 0 ? live.table : null, o.structureCache);
  if (structure.skipped.length > 0) {
    notes.push(`payload keys of '${r.archive.reservoir}' that are not columns (reach them through payload): ${structure.skipped.join(', ')}`);
  }
  const viewInputs = { views: r.views, archive: r.archive, files: splitByOverlap(files, live.firstSequence), liveRows: live.rows, structure, ...(r.roles ? { wanted: r.roles } : {}) };
  let definitions = defineReservoirViews(viewInputs, usage);
  const payloadTypeOf = (b: (typeof definitions.bindings)[number]) => (b.payloadType ? { payloadType: b.payloadType } : {});
  if (engine.archiveRelation) {
    // The file scans placed in the views themselves: a view of their own is one more bind each query.
    const relations = new Map<string, string>();
    for (const b of definitions.bindings) relations.set(b.as, await engine.archiveRelation(b.input, b.files, payloadTypeOf(b)));
    definitions = defineReservoirViews(viewInputs, usage, relations);
  } else {
    for (const b of definitions.bindings) await engine.bindArchive(b.input, b.files, { as: b.as, ...payloadTypeOf(b) });
  }
  return { notes, payloads: structure.sampled, definitions };
}

/** A reservoir's archived files, and for NDJSON their payload sample (see archiveSample). */
interface ArchiveSnapshot {
  readonly files: SnapshotFile[];
  /** Null: taken by inferStructure (Parquet's is read through the engine). */
  readonly sample: PayloadSample | null;
}

/** Lists the archived files and, when `engine` is not needed for it, takes their payload sample. */
function snapshotArchive(engine: SqlEngine | null, r: ReservoirSteps, store: ReservoirStore, cache: string | undefined): Promise<ArchiveSnapshot> {
  const snapshot = (async () => {
    const files = await listArchivedFiles(store, r.archive.format, r.archive.partition);
    const sample = r.archive.format === 'json' || engine ? await archiveSample(engine, r, store, files, cache) : null;
    return { files, sample };
  })();
  // Taken early, it may never be awaited (the SQL fails to parse, or reads other reservoirs).
  snapshot.catch(() => undefined);
  return snapshot;
}

function addJson(sample: PayloadSample, rows: SqlValue[][]): void {
  for (const [v] of rows) if (v !== null && typeof v === 'object' && v.kind === 'json') sample.add(JSON.parse(v.text));
}

/** The payload sample of the archived files, kept in `cache` between queries; Parquet's is read through `engine`. */
async function archiveSample(engine: SqlEngine | null, r: ReservoirSteps, store: ReservoirStore, files: readonly SnapshotFile[], cache: string | undefined): Promise<PayloadSample> {
  const take = async (): Promise<PayloadSample> => {
    const sample = PayloadSample.empty();
    if (r.archive.format === 'json') for (const payload of await samplePayloads(store, files)) sample.add(payload);
    else if (files.length > 0) {
      if (!engine) throw new Error('a Parquet reservoir is sampled through the SQL engine');
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
  return cache && files.length > 0 ? cachedArchiveSample(cache, files, take) : take();
}

async function inferStructure(
  engine: SqlEngine,
  r: ReservoirSteps,
  store: ReservoirStore,
  files: readonly SnapshotFile[],
  archived: PayloadSample | null,
  liveTable: string | null,
  cache: string | undefined,
): Promise<PayloadStructure> {
  // Archived payloads first, then live ones: keys keep their first-seen order either way.
  const sample = archived ?? (await archiveSample(engine, r, store, files, cache));
  if (liveTable) addJson(sample, await engine.rows(`SELECT payload FROM ${liveTable} USING SAMPLE ${LIVE_SAMPLE_ROWS} ROWS`));
  return sample.structure([...METADATA_COLUMNS, PAYLOAD_COLUMN]);
}
