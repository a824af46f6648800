// `wshed query --engine drill`: the SQL (or a saved query's Drill SQL) over the plan's reservoir
// views bound on Drill (views.ts: archive + a live snapshot), streamed out in the same formats as
// on DuckDB, a batch at a time.

import { findInput } from '../../compiler/plan/inputs.ts';
import type { ArchiveInput, ArchiveStep, Plan, QueryStep, ReservoirViewsStep } from '../../compiler/plan/types.ts';
import type { StreamService } from '../kinesis/stream-service.ts';
import { createJsonLineWriter, createRowWriter, writeAllBatches, writesJsonObjects, type OutputFormat } from '../query/output.ts';
import type { QueryRunResult, QueryText } from '../query/run-query.ts';
import { SqlError, type SqlValue } from '../query/sql-engine.ts';
import type { ReservoirStore } from '../reservoir/store.ts';
import { RuntimeError } from '../runtime-error.ts';
import type { Location } from '../../compiler/model.ts';
import { openDrillEngine, type DrillEngine, type DrillResultStream } from './engine.ts';
import type { DrillTarget } from './engine-choice.ts';
import { ensureLocalWorkspaces } from './local-workspaces.ts';
import { bindDrillViews, DRILL_VIEW_OPTIONS } from './views.ts';
import type { QuerySandbox } from '../query/sandbox.ts';
import { boundedDrillSql, checkDrillConfined, checkDrillSelect } from './sandbox.ts';
import { splitStatements, statementKind } from './statements.ts';
import path from 'node:path';

export type DrillQueryOptions = QueryText & {
  readonly plan: Plan;
  readonly cwd: string;
  /** Null: no stream service, so live views are empty (a note says so). */
  readonly streams: StreamService | null;
  readonly format: OutputFormat;
  readonly out: NodeJS.WritableStream;
  readonly drill: DrillTarget;
  readonly store: (reservoir: string, location: Location) => ReservoirStore;
  /** Ctrl-C: cancels the running query on Drill (WS854). */
  readonly signal?: AbortSignal;
  /** SQL from others (the job service): one SELECT reading only the served reservoirs (sandbox.ts). */
  readonly sandbox?: QuerySandbox;
};

interface Reservoir {
  readonly views: ReservoirViewsStep;
  readonly archive: ArchiveStep;
}

export async function runDrillQuery(o: DrillQueryOptions): Promise<QueryRunResult> {
  const started = performance.now();
  const sql = o.sql ?? savedDrillSql(o.plan, o.name!);
  const reservoirs = reservoirSteps(o.plan);
  const viewNames = reservoirs.flatMap((r) => r.views.views.map((v) => v.name));
  const userSql = <T>(run: Promise<T>): Promise<T> =>
    run.catch((err: unknown) => {
      if (!(err instanceof SqlError)) throw err;
      throw new RuntimeError('WS741', { message: err.message, hint: `fix the SQL (Drill's dialect); the views are ${viewNames.join(', ') || '(none)'}, and 'DESCRIBE <view>' lists a view's columns` });
    });
  const open = () =>
    openDrillEngine({
      url: o.drill.url,
      defaultSchema: o.drill.viewsWorkspace.join('.'),
      options: DRILL_VIEW_OPTIONS,
      ...(o.signal ? { signal: o.signal } : {}),
    });
  const engine = await open();
  /** The held run's own engine: closing it cancels that run on Drill at once, started or not. */
  let held: DrillEngine | null = null;
  try {
    if (o.sandbox) checkDrillSelect(sql);
    if (splitStatements(sql).length === 0) throw new RuntimeError('WS771', {});
    // Planned before anything slow or shared happens (a live read, a view replaced), so a typo fails
    // at once and changes nothing; when the views are current and no live record is read, the
    // query itself says what is wrong, a round trip sooner.
    let planned: Promise<void> | null = null;
    const beforeChanges = () => (planned ??= userSql(engine.inspect(sql)).then(() => undefined));
    const used = reservoirsNamed(reservoirs, sql);
    await ensureLocalWorkspaces(
      engine.client,
      used.flatMap((r) => {
        const input = findInput(r.views.inputs, 'archive');
        return input ? [input as ArchiveInput] : [];
      }),
      o.cwd,
    );
    // A lone read of archived records only starts at once, beside the check of the views, its rows
    // held until the check says the views it read are the plan's (else it is cancelled and run
    // again over the views just made): the check costs no time of its own when nothing changed.
    if (!o.sandbox && used.every((r) => !r.readsLive || o.streams === null) && isLoneRead(sql)) held = await open();
    const early = held ? outcome(startAnswer(held, sql, o.format, userSql)) : null;
    const discard = async () => {
      await held?.close();
      await early;
    };
    const notes: string[] = [];
    let changed = false;
    // A failure here leaves the held run to the finally below, which closes its engine (cancelling it).
    for (const r of used) {
      const bound = await bindDrillViews(engine, {
        views: r.views,
        archive: r.archive,
        store: o.store(r.archive.reservoir, r.archive.location),
        streams: o.streams,
        wanted: r.readsLive,
        viewsWorkspace: o.drill.viewsWorkspace,
        beforeChanges,
      });
      notes.push(...bound.notes);
      if (bound.created.size > 0) changed = true;
    }
    let answer: Answer;
    if (early && !changed) {
      const settled = await early;
      if ('error' in settled) throw settled.error;
      answer = settled.answer;
    } else {
      await discard();
      let run = sql;
      if (o.sandbox) {
        // Planned once the views exist: every file the plan reads must be a served reservoir's.
        await userSql(checkDrillConfined(engine, sql, reservoirRoots(reservoirs, o)));
        run = boundedDrillSql(sql, o.sandbox);
      }
      answer = await startAnswer(engine, run, o.format, userSql);
    }
    if ('lines' in answer) {
      // JSON rows rendered from Drill's own text (the same text, without a JS value per cell).
      const writer = createJsonLineWriter(o.format as 'json' | 'ndjson', o.out);
      const rows = await writeAllBatches(() => userSql(answer.lines.next()), writer);
      return { rows, columns: answer.lines.columns.map((c) => c.name), notes, durationMs: performance.now() - started };
    }
    const writer = createRowWriter(o.format, answer.values.columns, o.out);
    const rows = await writeAllBatches(() => userSql(answer.values.next()), writer);
    return { rows, columns: answer.values.columns.map((c) => c.name), notes, durationMs: performance.now() - started };
  } finally {
    await Promise.all([engine.close(), held?.close()]);
  }
}

/** A running statement's answer: JSON rows from Drill's text for the JSON formats, values otherwise. */
type Answer = { readonly lines: DrillResultStream<string> } | { readonly values: DrillResultStream<SqlValue[]> };

function startAnswer(engine: DrillEngine, sql: string, format: OutputFormat, userSql: <T>(run: Promise<T>) => Promise<T>): Promise<Answer> {
  if (writesJsonObjects(format)) return userSql(engine.streamJsonLines(sql)).then((lines) => ({ lines }));
  return userSql(engine.stream(sql)).then((values) => ({ values }));
}

/** A start whose failure is kept for later (a held answer may never be used, and must not be an unhandled rejection). */
function outcome(start: Promise<Answer>): Promise<{ answer: Answer } | { error: unknown }> {
  return start.then(
    (answer) => ({ answer }),
    (error: unknown) => ({ error }),
  );
}

/** One statement that only reads (SELECT, WITH, VALUES): running it early, maybe twice, changes nothing. */
function isLoneRead(sql: string): boolean {
  const statements = splitStatements(sql);
  return statements.length === 1 && ['SELECT', 'WITH', 'VALUES'].includes(statementKind(statements[0]));
}

/** Where the served reservoirs' files are, as Drill's plans name them (a folder, or s3a://bucket/prefix). */
function reservoirRoots(reservoirs: readonly Reservoir[], o: DrillQueryOptions): string[] {
  return reservoirs.map(({ archive }) => {
    const where = o.store(archive.reservoir, archive.location).location;
    return /^s3:\/\//.test(where) ? where : path.resolve(o.cwd, where);
  });
}

/** The Drill SQL of the pipeline's saved query `name`. */
function savedDrillSql(plan: Plan, name: string): string {
  const queries = plan.steps.filter((s): s is QueryStep => s.kind === 'query');
  const query = queries.find((q) => q.name === name);
  if (!query) throw new RuntimeError('WS742', { name, known: queries.map((q) => q.name).join(', ') || '(none)' });
  return query.sql.drill;
}

function reservoirSteps(plan: Plan): Reservoir[] {
  return plan.steps
    .filter((s): s is ReservoirViewsStep => s.kind === 'reservoir-views')
    .map((views) => {
      const archive = plan.steps.find((s): s is ArchiveStep => s.kind === 'archive' && s.reservoir === views.reservoir);
      if (!archive) throw new Error(`the plan has views but no archive step for reservoir '${views.reservoir}'`);
      return { views, archive };
    });
}

/**
 * The reservoirs whose views the SQL names (Drill cannot list a statement's tables without
 * running it, so by the words of the text: a name in a string or comment only binds one more).
 * Live records are read unless only `<r>_archived` is named.
 */
function reservoirsNamed(reservoirs: readonly Reservoir[], sql: string): (Reservoir & { readsLive: boolean })[] {
  const words = new Set((sql.match(/[A-Za-z_][A-Za-z0-9_$]*/g) ?? []).map((w) => w.toLowerCase()));
  return reservoirs.flatMap((r) => {
    const named = r.views.views.filter((v) => words.has(v.name.toLowerCase()));
    if (named.length === 0) return [];
    return [{ ...r, readsLive: named.some((v) => v.role !== 'archived') }];
  });
}
