// Reservoir views on the real local Drill for tests: the plan's storage plugin (`wshed`) given this
// test's reservoir workspaces and a writable views workspace, merged into what is there (several
// test processes may share one Drill), and a REST session whose default schema is the views workspace.
// A workspace name is held by one test process at a time (a pid lock per name): two runs of a test
// whose reservoir names are fixed would otherwise point each other's workspaces elsewhere.

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DRILL_VIEW_OPTIONS } from '../../../src/runtime/drill/views.ts';
import { SqlError, type SqlValue } from '../../../src/runtime/query/sql-engine.ts';
import { acquirePidLock, type PidLock } from '../../../src/runtime/pid-lock.ts';
import type { TestDrill } from './drill.ts';

/** How long a test waits for another process to release a workspace name (it holds it for its whole file). */
const LOCK_WAIT_MS = 20 * 60_000;

async function lockWorkspace(drill: TestDrill, plugin: string, name: string): Promise<PidLock> {
  const file = path.join(os.tmpdir(), 'wshed-drill-workspaces', `${new URL(drill.url).port}-${plugin}-${name}.lock`);
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    const attempt = await acquirePidLock(file);
    if (attempt.ok) return attempt.lock;
    if (Date.now() > deadline) throw new Error(`Drill workspace ${plugin}.${name} is still held by process ${attempt.ownerPid}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface DrillSession {
  readonly defaultSchema: string;
  exec(sql: string): Promise<void>;
  /** Rows as Drill's JSON gives them (values as JSON.parse reads them: compare big integers as text). */
  query(sql: string): Promise<{ columns: string[]; rows: Record<string, unknown>[] }>;
  /** The same as arrays in column order, for what reads text only (bindDrillViews reading its views back). */
  rows(sql: string): Promise<SqlValue[][]>;
}

export interface DrillWorkspaces {
  /** `[plugin, workspace]` of the writable views workspace. */
  readonly views: readonly [string, string];
  readonly session: DrillSession;
  /** Removes this test's workspaces from the plugin and its views folder. */
  close(): Promise<void>;
}

async function call(drill: TestDrill, method: string, route: string, body?: unknown): Promise<unknown> {
  const r = await fetch(`${drill.url}${route}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(300_000),
  });
  const text = await r.text();
  if (r.status !== 200) throw new Error(`Drill answered HTTP ${r.status} to ${method} ${route}: ${text.slice(0, 500)}`);
  return JSON.parse(text);
}

/** Adds (or with `location` null, removes) workspaces of `plugin`, keeping the others'. */
async function mergeWorkspaces(
  drill: TestDrill,
  plugin: string,
  workspaces: Record<string, { location: string; writable: boolean } | null>,
  fileSystem: FileSystem = {},
): Promise<void> {
  // Read, change, write: one process at a time, or two would each drop the other's workspaces.
  const lock = await lockWorkspace(drill, plugin, '*plugin*');
  try {
    await mergeLocked(drill, plugin, workspaces, fileSystem);
  } finally {
    await lock.release();
  }
}

async function mergeLocked(
  drill: TestDrill,
  plugin: string,
  workspaces: Record<string, { location: string; writable: boolean } | null>,
  fileSystem: FileSystem,
): Promise<void> {
  const current = (await call(drill, 'GET', `/storage/${plugin}.json`)) as { config: Record<string, unknown> | null };
  const config = current.config ?? {
    type: 'file',
    enabled: true,
    connection: fileSystem.connection ?? 'file:///',
    ...(fileSystem.config ? { config: fileSystem.config } : {}),
    workspaces: {},
    formats: { json: { type: 'json', extensions: ['json'] }, parquet: { type: 'parquet' } },
  };
  const merged: Record<string, unknown> = { ...((config.workspaces as Record<string, unknown>) ?? {}) };
  for (const [name, ws] of Object.entries(workspaces)) {
    if (ws === null) delete merged[name];
    else merged[name] = { ...ws, defaultInputFormat: null, allowAccessOutsideWorkspace: false };
  }
  await drill.putPlugin(plugin, { ...config, workspaces: merged });
}

/** The plugin's file system when it is created here: a local one, or S3 (`s3a://bucket` and `fs.s3a.*`). */
export interface FileSystem {
  readonly connection?: string;
  readonly config?: Record<string, string>;
  /** Where the views workspace is on a file system that is not this machine's (S3: a key prefix `/views`). */
  readonly viewsLocation?: string;
}

/**
 * Gives plugin `plugin` one read-only workspace per reservoir (named after it, at its folder) and a
 * writable views workspace of its own, and opens a session on it.
 */
export async function drillWorkspaces(drill: TestDrill, plugin: string, reservoirs: Record<string, string>, fileSystem: FileSystem = {}): Promise<DrillWorkspaces> {
  const viewsDir = await mkdtemp(path.join(os.tmpdir(), 'wshed-drill-views-'));
  const viewsName = `wshed_views_${process.pid}_${path.basename(viewsDir).replace(/[^A-Za-z0-9]/g, '_')}`;
  const own: Record<string, { location: string; writable: boolean }> = { [viewsName]: { location: fileSystem.viewsLocation ?? viewsDir, writable: true } };
  for (const [name, folder] of Object.entries(reservoirs)) own[name] = { location: folder, writable: false };
  const locks: PidLock[] = [];
  // Sorted: two processes wanting the same names take them in the same order.
  try {
    for (const name of Object.keys(reservoirs).sort()) locks.push(await lockWorkspace(drill, plugin, name));
    await mergeWorkspaces(drill, plugin, own, fileSystem);
  } catch (err) {
    for (const lock of locks) await lock.release();
    await rm(viewsDir, { recursive: true, force: true });
    throw err;
  }
  const defaultSchema = `${plugin}.${viewsName}`;
  const post = async (sql: string) => {
    const r = (await call(drill, 'POST', '/query.json', {
      queryType: 'SQL',
      query: sql,
      defaultSchema,
      options: { 'drill.exec.http.rest.errors.verbose': true, 'store.json.enable_v2_reader': false, ...DRILL_VIEW_OPTIONS },
    })) as { queryState: string; errorMessage?: string; columns?: string[]; rows?: Record<string, unknown>[] };
    if (r.queryState !== 'COMPLETED') throw new SqlError(r.errorMessage ?? `query ${r.queryState} without a message`);
    return { columns: r.columns ?? [], rows: r.rows ?? [] };
  };
  return {
    views: [plugin, viewsName],
    session: {
      defaultSchema,
      exec: async (sql) => void (await post(sql)),
      query: post,
      rows: async (sql) => {
        const r = await post(sql);
        return r.rows.map((row) => r.columns.map((c) => (row[c] ?? null) as SqlValue));
      },
    },
    async close() {
      try {
        await mergeWorkspaces(drill, plugin, Object.fromEntries(Object.keys(own).map((k) => [k, null])), fileSystem);
        await rm(viewsDir, { recursive: true, force: true });
      } finally {
        for (const lock of locks) await lock.release();
      }
    },
  };
}
