// Which SQL engine a target runtime opens, chosen once at the edge: the embedded DuckDB, or a
// Drill reached over REST (the local scripts/drill.sh one, or a cluster's through the tunnel).

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DRILL_VIEWS_WORKSPACE } from '../../compiler/plan/drill-plugin.ts';
import type { AwsTargetConfig } from '../../compiler/target-config.ts';
import type { SqlEngine, SqlEngineRequest } from '../query/sql-engine.ts';
import { openDrillEngine } from './engine.ts';
import { DRILL_VIEW_OPTIONS } from './views.ts';

export interface DrillTarget {
  /** Drill's REST address. */
  readonly url: string;
  /** The writable `[plugin, workspace]` the reservoir views are created in (and the session's default schema). */
  readonly viewsWorkspace: readonly [string, string];
}

export type SqlEngineChoice =
  | { readonly engine: 'duckdb' }
  | {
      readonly engine: 'drill';
      readonly drill: DrillTarget;
      /** Ctrl-C: aborting it cancels the running query on Drill. */
      readonly signal?: AbortSignal;
    };

export const SQL_ENGINES = ['duckdb', 'drill'] as const;
export type SqlEngineName = (typeof SQL_ENGINES)[number];

/** What a command asks of the runtime's engine (`--engine`, `--drill-url`, Ctrl-C). */
export interface SqlEngineOverride {
  /** Default: the target's (DuckDB locally, Drill on aws). */
  readonly engine?: SqlEngineName;
  readonly drillUrl?: string;
  readonly signal?: AbortSignal;
}

/** The choice a runtime makes from its default engine, its Drill and a command's override. */
export function chooseSqlEngine(defaultEngine: SqlEngineName, drill: (url: string | undefined) => DrillTarget, override: SqlEngineOverride = {}): SqlEngineChoice {
  if ((override.engine ?? defaultEngine) === 'duckdb') return { engine: 'duckdb' };
  return { engine: 'drill', drill: drill(override.drillUrl), ...(override.signal ? { signal: override.signal } : {}) };
}

/** The cluster's Drill as the tunnel forwards it to this machine, and its views workspace. */
export function awsDrillTarget(config: AwsTargetConfig, url?: string): DrillTarget {
  return { url: url ?? `http://127.0.0.1:${config.ssh.localDrillPort}`, viewsWorkspace: [config.drill.storagePlugin, DRILL_VIEWS_WORKSPACE] };
}

/**
 * A Drill on this machine: `url`, else the one scripts/drill.sh runs for this home (its port in
 * `<home>/drill/port`), else Drill's default port; views in the embedded Drill's `dfs.tmp`.
 */
export function localDrillTarget(home: string, url?: string): DrillTarget {
  const portFile = path.join(home, 'drill', 'port');
  const port = existsSync(portFile) ? readFileSync(portFile, 'utf8').trim() : '';
  return { url: url ?? `http://127.0.0.1:${/^\d+$/.test(port) ? port : '8047'}`, viewsWorkspace: ['dfs', 'tmp'] };
}

/** The chosen engine; an `embedded` request (a file converted on this machine) always gets the embedded one. */
export function openChosenSqlEngine(choice: SqlEngineChoice, openEmbedded: (request: SqlEngineRequest) => Promise<SqlEngine>, request: SqlEngineRequest = {}): Promise<SqlEngine> {
  if (choice.engine === 'duckdb' || request.embedded) return openEmbedded(request);
  return openDrillEngine({
    url: choice.drill.url,
    defaultSchema: choice.drill.viewsWorkspace.join('.'),
    options: DRILL_VIEW_OPTIONS,
    ...(choice.signal ? { signal: choice.signal } : {}),
  });
}
