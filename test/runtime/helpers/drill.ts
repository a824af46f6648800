// A real Apache Drill for tests: the embedded Drillbit of scripts/drill.sh (Drill from the Maven
// cache the script fills). A Drill already running in the default home (`scripts/drill.sh status`)
// is reused and left running; otherwise one is started in a temporary home and stopped at close.

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const SCRIPT = path.join(ROOT, 'scripts/drill.sh');
const URL_IN_LINE = /at (http:\/\/127\.0\.0\.1:\d+)/;

/** What Drill's `POST /query.json` answers (see docs/drill-rest.md). */
export interface DrillResult {
  readonly queryId?: string;
  readonly queryState: string;
  readonly columns?: string[];
  readonly metadata?: string[];
  readonly rows?: Record<string, unknown>[];
  readonly errorMessage?: string;
  readonly exception?: string;
}

export interface TestDrill {
  readonly url: string;
  /** False when a Drill that was already running is used. */
  readonly startedHere: boolean;
  /** The script's own line about the start (download and start time on a first run). */
  readonly startLog: string;
  /** Runs scripts/drill.sh with the home this Drill runs in. */
  script(...args: string[]): Promise<ScriptRun>;
  query(sql: string, options?: Record<string, unknown>): Promise<DrillResult>;
  putPlugin(name: string, config: Record<string, unknown>): Promise<void>;
  deletePlugin(name: string): Promise<void>;
  close(): Promise<void>;
}

export interface ScriptRun {
  readonly code: number;
  readonly out: string;
}

/** Runs scripts/drill.sh (from the repository root) with this environment. */
export function script(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<ScriptRun> {
  return new Promise((resolve) => {
    execFile('bash', [SCRIPT, ...args], { cwd: ROOT, env, timeout: timeoutMs, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, out: `${stderr}${stdout}` });
    });
  });
}

/**
 * Reuses the Drill of the default home when it runs, else starts one in a temporary home. The
 * first start on a machine downloads Drill (~460 MB from Maven Central), hence the long bound.
 */
export async function startTestDrill(options: { timeoutMs?: number } = {}): Promise<TestDrill> {
  const timeoutMs = options.timeoutMs ?? 20 * 60_000;
  const running = await script(['status'], process.env, 30_000);
  let home: string | null = null;
  let env: NodeJS.ProcessEnv = process.env;
  let log = running.out;
  if (running.code !== 0) {
    home = mkdtempSync(path.join(os.tmpdir(), 'wshed-drill-'));
    env = { ...process.env, WSHED_HOME: home };
    const started = await script(['start'], env, timeoutMs);
    log = started.out;
    if (started.code !== 0) {
      rmSync(home, { recursive: true, force: true });
      throw new Error(`scripts/drill.sh start failed (exit ${started.code}):\n${started.out}`);
    }
  }
  const m = URL_IN_LINE.exec(log);
  if (!m) throw new Error(`scripts/drill.sh did not say where Drill listens:\n${log}`);
  const url = m[1];

  async function call(method: string, route: string, body?: unknown): Promise<{ status: number; text: string }> {
    const r = await fetch(`${url}${route}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(300_000),
    });
    return { status: r.status, text: await r.text() };
  }

  return {
    url,
    startedHere: home !== null,
    startLog: log.trim(),
    script: (...args) => script(args, env, 120_000),
    async query(sql, queryOptions = {}) {
      const r = await call('POST', '/query.json', {
        queryType: 'SQL',
        query: sql,
        // Verbose errors, or a failed query carries no message at all; the v1 JSON reader, since
        // the default v2 reader returns a whole map column as nulls past the first file (docs/drill-rest.md).
        options: { 'drill.exec.http.rest.errors.verbose': true, 'store.json.enable_v2_reader': false, ...queryOptions },
      });
      if (r.status !== 200) throw new Error(`Drill answered HTTP ${r.status} to a query: ${r.text.slice(0, 500)}`);
      return JSON.parse(r.text) as DrillResult;
    },
    async putPlugin(name, config) {
      const r = await call('POST', `/storage/${encodeURIComponent(name)}.json`, { name, config });
      if (r.status !== 200 || !r.text.includes('Success')) throw new Error(`Drill refused storage plugin ${name}: HTTP ${r.status} ${r.text.slice(0, 500)}`);
    },
    async deletePlugin(name) {
      await call('DELETE', `/storage/${encodeURIComponent(name)}.json`);
    },
    async close() {
      if (home === null) return;
      const stopped = await script(['stop'], env, 120_000);
      const after = await script(['status'], env, 30_000);
      rmSync(home, { recursive: true, force: true });
      if (stopped.code !== 0) throw new Error(`scripts/drill.sh stop failed:\n${stopped.out}`);
      // stop returns only once the Drillbit has exited.
      if (after.code !== 1) throw new Error(`scripts/drill.sh status after stop exited ${after.code}, not 1:\n${after.out}`);
    },
  };
}
