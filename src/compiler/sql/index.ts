// SQL generation for the plan: the replay source query, the reservoir views and saved queries, each
// printed once per registered dialect from one syntax tree.

import type { ReplayModel, ReservoirModel, StreamModel } from '../model.ts';
import type { ReplayInputs, ReplayOperator, SqlByDialect } from '../plan/types.ts';
import type { LiveRecords } from './ast.ts';
import { byDialect, drill, duckdb } from './dialects/index.ts';
import { printIdentifierPath, printQuery } from './print.ts';
import { buildReplayQuery } from './replay-query.ts';

export { formatExpr as whereText } from '../format/expr.ts';
export { reservoirViews } from './reservoir-views.ts';

export interface SqlNaming {
  /** Drill storage plugin that maps the reservoir bucket (dfs/s3 type); each reservoir is a workspace named after it. */
  readonly drillStoragePlugin: string;
  /** Hive database holding one table per live stream (`<stream>_live`), seen by Drill through its hive plugin. */
  readonly hiveDatabase: string;
}

/**
 * The replay's source query with everything SQL can do pushed down, the relations the runtime must
 * provide (as each dialect's SQL names them), and the pushed-down operators in execution order.
 */
export function replaySql(
  replay: ReplayModel,
  reservoir: ReservoirModel,
  stream: StreamModel,
  naming: SqlNaming,
): { sql: SqlByDialect; inputs: ReplayInputs; operators: ReplayOperator[] } {
  const { query, operators, readsLive } = buildReplayQuery(replay, reservoir, stream, naming);
  const live: LiveRecords = { kind: 'live-records', reservoir: reservoir.name, stream: stream.name, hiveDatabase: naming.hiveDatabase, alias: null };
  const inputs: ReplayInputs = {
    duckdbLiveTable: readsLive ? printIdentifierPath(duckdb.liveTable(live), duckdb) : null,
    drillLiveTable: readsLive ? printIdentifierPath(drill.liveTable(live), drill) : null,
  };
  return { sql: byDialect((d) => printQuery(query, d)), inputs, operators };
}

/** A saved query runs as written in both engines; the reservoir views make its names resolve. */
export function savedQuerySql(sql: string): SqlByDialect {
  const text = sql.trim();
  return { duckdb: text, drill: text };
}
