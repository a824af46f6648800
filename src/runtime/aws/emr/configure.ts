// configure-streams: what makes the running cluster queryable. Drill storage plugins through
// Drill's REST API (POST /storage/{name}.json with {name, config}), read back to confirm; the Hive
// database and each stream's table through `hive -e` on the primary node, Hive's errors shown.

import type { DrillStoragePluginStep, HiveLiveTableStep } from '../../../compiler/plan/types.ts';
import { RuntimeError } from '../../runtime-error.ts';
import type { RemoteExec } from '../tunnel/exec.ts';

/** Drill's `hive` plugin, over the cluster's metastore (port 9083 on the primary node). */
export function hivePluginConfig(primaryHost: string): Record<string, unknown> {
  return {
    type: 'hive',
    enabled: true,
    configProps: {
      'hive.metastore.uris': `thrift://${primaryHost}:9083`,
      'hive.metastore.sasl.enabled': 'false',
      'fs.default.name': `hdfs://${primaryHost}:8020`,
    },
  };
}

/** Saves one plugin and reads it back; returns the configuration Drill holds. */
export async function saveDrillPlugin(drillUrl: string, name: string, config: Readonly<Record<string, unknown>>): Promise<Record<string, unknown>> {
  const base = drillUrl.replace(/\/+$/, '');
  const fail = (why: string): never => {
    throw new RuntimeError('WS840', { url: base, name, why });
  };
  let res: Response;
  try {
    res = await fetch(`${base}/storage/${encodeURIComponent(name)}.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name, config }),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    return fail(((err as Error).cause as Error | undefined)?.message ?? (err as Error).message);
  }
  const text = await res.text();
  let body: { result?: string; errorMessage?: string } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // Drill answers HTML for some errors; the text is the message.
  }
  if (!res.ok || (body.result !== undefined && !/success/i.test(body.result))) fail(body.errorMessage ?? body.result ?? `HTTP ${res.status}: ${text.slice(0, 300)}`);
  const back = await fetch(`${base}/storage/${encodeURIComponent(name)}.json`, { signal: AbortSignal.timeout(30_000) });
  if (!back.ok) fail(`reading it back: HTTP ${back.status}`);
  const saved = (await back.json()) as { config?: Record<string, unknown> };
  return saved.config ?? fail('reading it back: no config');
}

/** Saves each bucket's `file` plugin (one step per bucket), then `hive`; returns the names saved. */
export async function configureDrill(drillUrl: string, plugins: DrillStoragePluginStep | readonly DrillStoragePluginStep[], primaryHost: string): Promise<string[]> {
  const steps = Array.isArray(plugins) ? plugins : [plugins as DrillStoragePluginStep];
  for (const plugin of steps) await saveDrillPlugin(drillUrl, plugin.name, plugin.config);
  await saveDrillPlugin(drillUrl, 'hive', hivePluginConfig(primaryHost));
  return [...steps.map((p) => p.name), 'hive'];
}

/** The statements one `hive -e` runs for a stream (the database first; everything IF NOT EXISTS). */
export function hiveScript(step: HiveLiveTableStep): string {
  return `CREATE DATABASE IF NOT EXISTS \`${step.database.replace(/`/g, '``')}\`;\n${step.ddl};\n`;
}

/** `hive -e` with the script on standard input (no shell quoting of the DDL), once per stream. */
export async function createHiveTables(exec: RemoteExec, steps: readonly HiveLiveTableStep[]): Promise<string[]> {
  const made: string[] = [];
  for (const step of steps) {
    const r = await exec(`hive -S -e "$(cat)"`, hiveScript(step));
    if (r.code !== 0) {
      const why = (r.stderr.trim() || r.stdout.trim() || `exit code ${r.code}`).split('\n').slice(-5).join(' | ');
      throw new RuntimeError('WS841', { what: `table ${step.database}.${step.table} (stream '${step.stream}')`, why });
    }
    made.push(`${step.database}.${step.table}`);
  }
  return made;
}

/** Runs one statement through Drill's REST API; a FAILED query (HTTP 200) is an error with Drill's message. */
export async function drillStatement(drillUrl: string, sql: string): Promise<void> {
  const res = await fetch(`${drillUrl.replace(/\/+$/, '')}/query.json`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ queryType: 'SQL', query: sql, options: { 'drill.exec.http.rest.errors.verbose': true } }),
    signal: AbortSignal.timeout(120_000),
  });
  const body = (await res.json().catch(() => ({}))) as { queryState?: string; errorMessage?: string };
  if (!res.ok || body.queryState === 'FAILED') throw new Error((body.errorMessage ?? `HTTP ${res.status}`).split('\n')[0]!);
}

/** The `<stream>_stream` views over the Hive tables, in the plugin's writable workspace. */
export async function createStreamViews(drillUrl: string, steps: readonly HiveLiveTableStep[]): Promise<string[]> {
  for (const step of steps) {
    try {
      await drillStatement(drillUrl, step.drillView.sql);
    } catch (err) {
      throw new RuntimeError('WS840', { url: drillUrl, name: `view ${step.drillView.name}`, why: (err as Error).message });
    }
  }
  return steps.map((s) => s.drillView.name);
}
