// The reservoir views on Drill (`<r>`, `<r>_archived`, `<r>_live`), with the columns they have on
// DuckDB, bound at query time: the live records written as a snapshot (live-snapshot.ts), the
// plan's live relation (`wshed_live_<r>`) a view over it, the plan's Drill view SQL under each view.

import { createHash } from 'node:crypto';
import { findInput } from '../../compiler/plan/inputs.ts';
import type { ArchiveStep, Plan, PlanInput, ReplayStep, ReservoirViewsStep } from '../../compiler/plan/types.ts';
import { cast, col, type SqlExpr } from '../../compiler/sql/ast.ts';
import { drill } from '../../compiler/sql/dialects/drill.ts';
import { printExpr, printIdentifierPath, printQuery } from '../../compiler/sql/print.ts';
import { liveRecordLines } from '../../compiler/sql/index.ts';
import type { StreamService } from '../kinesis/stream-service.ts';
import { inferPayloadStructure, type FieldType, type PayloadStructure } from '../query/payload-structure.ts';
import { listArchivedFiles, samplePayloads } from '../query/reservoir-snapshot.ts';
import { SqlError, type SqlEngine } from '../query/sql-engine.ts';
import { METADATA_COLUMNS, PAYLOAD_COLUMN } from '../query/views.ts';
import { readArchiveCheckpoint } from '../reservoir/checkpoint.ts';
import { firehoseLiveSince } from '../reservoir/live.ts';
import type { ReservoirStore } from '../reservoir/store.ts';
import { RuntimeError } from '../runtime-error.ts';
import { expireLiveSnapshots, writeLiveSnapshot, type LiveSnapshot } from './live-snapshot.ts';

/**
 * Session options every statement over the views needs, beside the engine's own. Drill reads a
 * payload field whose JSON type differs between files (`150` here, `12.5` there) as NULL, and with
 * it the whole payload of the later file, without an error; reading every scalar as text keeps
 * every value, and the views cast the payload's fields back to their types (docs/drill-rest.md).
 */
export const DRILL_VIEW_OPTIONS: Readonly<Record<string, unknown>> = { 'store.json.all_text_mode': true };

/** What the binder needs of an engine: one opened with the views workspace as its default schema. */
export type DrillStatements = Pick<SqlEngine, 'exec' | 'rows'>;

export interface DrillViewsRequest {
  readonly views: ReservoirViewsStep;
  readonly archive: ArchiveStep;
  /** The reservoir's store (fs or S3): the live snapshot is written there, under `_wshed/live/`. */
  readonly store: ReservoirStore;
  /** Null: no stream service, so the live views are empty (a note says so). */
  readonly streams: StreamService | null;
  /** False: the SQL reads `<r>_archived` only, so the stream is not read. */
  readonly wanted: boolean;
  /** The writable workspace the views are created in: `['dfs', 'tmp']` locally, `[plugin, 'wshed_views']` on EMR. */
  readonly viewsWorkspace: readonly [plugin: string, workspace: string];
  /** Time the snapshot is named by and expiry is measured from (default now). */
  readonly now?: Date;
  /**
   * Called once before the first slow or shared step (reading the stream, replacing a view), not
   * at all when the views on Drill are already these and no live record is read: the query's
   * own checks (its syntax) go there, so a typo changes nothing, yet costs no round trip when
   * there is nothing to protect.
   */
  readonly beforeChanges?: () => Promise<void>;
}

export interface BoundDrillViews {
  /** The views workspace as REST's `defaultSchema` wants it: `dfs.tmp`. */
  readonly defaultSchema: string;
  /** Session options for every query over the views (DRILL_VIEW_OPTIONS). */
  readonly options: Readonly<Record<string, unknown>>;
  /** The live snapshot the views read; null when they read no live record. */
  readonly snapshot: LiveSnapshot | null;
  readonly notes: readonly string[];
  /** The SQL of each view created, by name (for `--explain`-like output and tests). */
  readonly created: ReadonlyMap<string, string>;
  /** The views left as they were: Drill's copy already had this SQL (views.ts `fingerprinted`). */
  readonly kept: readonly string[];
}

/** Payloads sampled from the live records, beside the archived files' first lines. */
const LIVE_SAMPLE = 2048;

const ident = (name: string) => printIdentifierPath([name], drill);

/**
 * Writes the live snapshot (unless the SQL reads no live record), then creates or replaces, in the
 * views workspace, the live relation over it and the three views over the plan's Drill SQL.
 * Snapshots older than LIVE_SNAPSHOT_MAX_AGE_MS are removed first; this one is left for its age to
 * expire it, since the views are shared by every session of this Drill (docs/live-records.md).
 */
export async function bindDrillViews(engine: DrillStatements, request: DrillViewsRequest): Promise<BoundDrillViews> {
  const { views, archive, store } = request;
  const now = request.now ?? new Date();
  const notes: string[] = [];
  const workspace = printIdentifierPath(request.viewsWorkspace, drill);
  const archiveRelation = drillArchiveRelation(views.inputs, `the views of '${views.reservoir}'`);
  let checked: Promise<void> | null = null;
  const beforeChanges = () => (checked ??= request.beforeChanges?.() ?? Promise.resolve());

  await expireLiveSnapshots(store, now.getTime());
  const sample: unknown[] = [];
  let snapshot: LiveSnapshot | null = null;
  if (request.wanted && request.streams === null) {
    notes.push(`no Kinesis service to read: '${views.reservoir}_live' is empty and '${views.reservoir}' holds archived records only`);
  } else if (request.wanted && request.streams !== null) {
    if (!(await request.streams.describeStream(archive.stream))) {
      notes.push(`stream '${archive.stream}' does not exist: '${views.reservoir}_live' is empty`);
    } else {
      await beforeChanges();
      const checkpoint = await readArchiveCheckpoint(store);
      // A Firehose reservoir has no checkpoint: its live part is the window Firehose may not have delivered (as on DuckDB).
      const since = archive.via === 'firehose' ? { since: firehoseLiveSince(archive.everySeconds, now) } : {};
      snapshot = await writeLiveSnapshot(store, request.streams, { stream: archive.stream, checkpoint, now, sample, sampleSize: LIVE_SAMPLE, ...since });
      if (snapshot.skipped > 0) notes.push(`${snapshot.skipped} live record(s) of stream '${archive.stream}' are not JSON and cannot be queried`);
    }
  }

  const files = await listArchivedFiles(store, archive.format, archive.partition);
  // Every view reads the archive's glob, and Drill fails on a glob that matches no file.
  if (files.length === 0) throw new RuntimeError('WS860', { reservoir: views.reservoir, stream: archive.stream });
  const structure = inferPayloadStructure([...(await samplePayloads(store, files)), ...sample], [...METADATA_COLUMNS, PAYLOAD_COLUMN]);
  if (structure.skipped.length > 0) {
    notes.push(`payload keys of '${views.reservoir}' that are not columns (reach them through payload): ${structure.skipped.join(', ')}`);
  }

  const created = new Map<string, string>();
  const create = async (name: string, body: string) => {
    const sql = `CREATE OR REPLACE VIEW ${workspace}.${ident(name)} AS\n${body}`;
    await beforeChanges();
    try {
      await engine.exec(sql);
    } catch (err) {
      if (!(err instanceof SqlError)) throw err;
      throw new RuntimeError('WS861', { view: name, workspace: request.viewsWorkspace.join('.'), why: err.message.split('\n')[0] });
    }
    created.set(name, sql);
  };

  const liveInput = findInput(views.inputs, 'live');
  // With no live record the live relation is empty, with the columns of one archived file: the
  // whole glob would have Drill plan a scan of every file only to return nothing.
  const oneFile = storePathOf(store, files[files.length - 1]!.url);
  const live = liveInput ? fingerprinted(liveRelationName(liveInput.relation.drill), (alias) => liveBody(archiveRelation, snapshot, oneFile, alias)) : null;
  const planned = views.views.map((view) => fingerprinted(view.name, (alias) => fieldsView(view.sql.drill, structure, alias)));
  const onDrill = await viewDefinitions(engine, request.viewsWorkspace, [...(live ? [live.name] : []), ...planned.map((v) => v.name)]);
  const current = (v: Fingerprinted) => onDrill.get(v.name)?.includes(v.mark) ?? false;
  const stale = planned.filter((v) => !current(v));
  // The live relation is only read by queries of live records, which always bind it: an archive-only
  // query leaves it (a concurrent query's snapshot) alone unless a view over it is to be planned.
  const liveNeeded = live !== null && !current(live) && (request.wanted || stale.length > 0 || !onDrill.has(live.name));
  if (live && liveNeeded) await create(live.name, live.body);
  for (const view of stale) await create(view.name, view.body);
  const kept = [...(live && !liveNeeded ? [live.name] : []), ...planned.filter((v) => current(v)).map((v) => v.name)];
  return { defaultSchema: request.viewsWorkspace.join('.'), options: DRILL_VIEW_OPTIONS, snapshot, notes, created, kept };
}

interface Fingerprinted {
  readonly name: string;
  readonly body: string;
  /** The derived table's alias naming the body's hash: Drill keeps it in the SQL it stores (which it rewrites). */
  readonly mark: string;
}

/**
 * A view's body with its hash as the alias of its outer FROM: Drill stores a view's SQL rewritten
 * (quoted, expanded), never as sent, but keeps aliases; the alias says which body it was made
 * from, so an unchanged view is seen as such and not re-created (each CREATE plans the body).
 */
function fingerprinted(name: string, body: (alias: string) => string): Fingerprinted {
  const hash = createHash('sha256').update(`${name}\n${body('v')}`).digest('hex').slice(0, 20);
  const alias = `wshed_v_${hash}`;
  return { name, body: body(alias), mark: ident(alias) };
}

/**
 * The SQL Drill stores for these views (read from their `.view.drill` files in one statement), by
 * name; empty when any is missing or cannot be read: then all of them are created again.
 */
async function viewDefinitions(engine: DrillStatements, workspace: readonly [string, string], names: readonly string[]): Promise<Map<string, string>> {
  if (names.length === 0) return new Map();
  const reads = names.map((name) => `SELECT ${printExpr(col('t', 'name'), drill)} AS ${ident('name')}, ${printExpr(col('t', 'sql'), drill)} AS ${ident('sql')} FROM TABLE(${printIdentifierPath([...workspace, `${name}.view.drill`], drill)}(type => 'json')) AS ${ident('t')}`);
  try {
    const rows = await engine.rows(reads.join('\nUNION ALL\n'));
    return new Map(rows.map((row) => [String(row[0]), String(row[1] ?? '')]));
  } catch (err) {
    if (err instanceof SqlError) return new Map();
    throw err;
  }
}

interface ArchiveRelation {
  /** `` `plugin`.`workspace`.`glob` `` as the plan prints it. */
  readonly text: string;
  readonly plugin: string;
  readonly workspace: string;
}

const QUOTED = /^`((?:[^`]|``)+)`\.`((?:[^`]|``)+)`\.`(?:[^`]|``)+`$/;

/** A step's archive input on Drill: its plugin and workspace, where the snapshot is read too. */
function drillArchiveRelation(inputs: readonly PlanInput[], what: string): ArchiveRelation {
  const input = findInput(inputs, 'archive');
  if (!input) throw new Error(`${what} has no archive input`);
  const m = QUOTED.exec(input.relation.drill);
  if (!m) throw new Error(`the plan's Drill archive relation is not plugin.workspace.glob: ${input.relation.drill}`);
  const unquote = (s: string) => s.replaceAll('``', '`');
  return { text: input.relation.drill, plugin: unquote(m[1]), workspace: unquote(m[2]) };
}

/** The snapshot's folder as a Drill table: an explicit path under `_wshed/` reads (only listings skip `_` names). */
function snapshotRelation(archive: ArchiveRelation, snapshot: LiveSnapshot): string {
  return printIdentifierPath([archive.plugin, archive.workspace, snapshot.folder], drill);
}

/** What the live relation stands for: the snapshot, or (no live record) an empty relation with the archive's columns. */
function liveBody(archive: ArchiveRelation, snapshot: LiveSnapshot | null, oneFile: string | null, alias?: string): string {
  const as = alias === undefined ? '' : ` AS ${ident(alias)}`;
  if (snapshot !== null && snapshot.records > 0) return `SELECT * FROM ${snapshotRelation(archive, snapshot)}${as}`;
  const empty = oneFile === null ? archive.text : printIdentifierPath([archive.plugin, archive.workspace, oneFile], drill);
  return `SELECT * FROM ${empty}${as} LIMIT 0`;
}

/** A listed file's path inside the store (its readable URL below the store's location). */
function storePathOf(store: ReservoirStore, url: string): string | null {
  const root = store.location.replace(/\/+$/, '');
  return url.startsWith(`${root}/`) ? url.slice(root.length + 1) : null;
}

/** The plan's live relation is one unqualified name (`` `wshed_live_<r>` ``, see the Drill dialect). */
function liveRelationName(relation: string): string {
  const m = /^`((?:[^`]|``)+)`$/.exec(relation);
  if (!m) throw new Error(`the plan's Drill live relation is not one name: ${relation}`);
  return m[1].replaceAll('``', '`');
}

/**
 * A replay's Drill SQL reading exactly its own snapshot (the cut it recorded), not the shared
 * view a concurrent query may rebind: the live relation becomes the first CTE of the SQL's
 * leading WITH (the plan's replay SQL always opens with one). SQL without a live input is returned
 * as is; null when it reads live records only and the snapshot holds none (there is nothing to send).
 * `oneArchivedFile` (a store path), when known, gives an empty snapshot its columns cheaply.
 */
export function replayDrillSql(plan: Pick<Plan, 'steps'>, step: ReplayStep, snapshot: LiveSnapshot | null, oneArchivedFile: string | null = null): string | null {
  const live = findInput(step.inputs, 'live');
  if (!live) return step.sql.drill;
  const sql = step.sql.drill;
  if (!sql.startsWith('WITH\n')) throw new Error(`replay '${step.name}': its Drill SQL does not open with WITH`);
  // A live-only replay has no archive input: the reservoir's views step names the same workspace.
  const views = plan.steps.find((s): s is ReservoirViewsStep => s.kind === 'reservoir-views' && s.reservoir === step.reservoir);
  const inputs = findInput(step.inputs, 'archive') ? step.inputs : (views?.inputs ?? []);
  if (!findInput(step.inputs, 'archive') && (snapshot === null || snapshot.records === 0)) return null;
  const archive = drillArchiveRelation(inputs, `replay '${step.name}'`);
  // The replay's SQL carries each payload's archived text: the live relation gives it too (its files read as records and as lines).
  const hasRows = snapshot !== null && snapshot.records > 0;
  const path = hasRows ? [archive.plugin, archive.workspace, snapshot.folder] : oneArchivedFile === null ? null : [archive.plugin, archive.workspace, oneArchivedFile];
  const body = path === null ? liveBody(archive, null, null) : printQuery(liveRecordLines(path, !hasRows), drill).replaceAll('\n', '\n    ');
  return `WITH\n  ${live.relation.drill} AS (\n    ${body}\n  ),\n${sql.slice('WITH\n'.length)}`;
}

/**
 * The plan view's rows with the metadata, each top-level payload key as a column of its inferred
 * type (as on DuckDB), and `payload` (a Drill map). With every scalar read as text, the metadata's
 * one number and each typed field are cast back; a value that does not fit reads as NULL, as on
 * DuckDB. Nested objects and lists stay Drill maps and lists.
 */
function fieldsView(planSql: string, structure: PayloadStructure, alias: string): string {
  const v = alias;
  const metadata = METADATA_COLUMNS.map((c) => {
    const column = col(v, c);
    return `${printExpr(c === '_sub_sequence_number' ? cast(column, 'bigint', true) : column, drill)} AS ${ident(c)}`;
  });
  const payload = col(v, PAYLOAD_COLUMN);
  const fields = structure.fields.map((f) => `${printExpr(typedField({ kind: 'member', base: payload, name: f.name }, f.type), drill)} AS ${ident(f.name)}`);
  return `SELECT ${[...metadata, ...fields, printExpr(payload, drill)].join(', ')}\nFROM (\n${planSql}\n) AS ${ident(v)}`;
}

function typedField(value: SqlExpr, type: FieldType): SqlExpr {
  if (type.kind !== 'scalar') return value;
  switch (type.name) {
    case 'BIGINT':
      return cast(value, 'bigint', true);
    case 'DOUBLE':
      return cast(value, 'double', true);
    case 'BOOLEAN':
      return cast(value, 'boolean', true);
    case 'VARCHAR':
    case 'JSON':
      return value;
  }
}
