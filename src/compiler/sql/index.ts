// SQL generation for the plan: the replay source query, the reservoir views and saved queries, each
// printed once per registered dialect from one syntax tree.

import type { ReplayModel, ReservoirModel, StreamModel } from '../model.ts';
import type { PlanInput, ReplayOperator, SqlByDialect } from '../plan/types.ts';
import { byDialect } from './dialects/index.ts';
import { planInputs } from './inputs.ts';
import { printQuery } from './print.ts';
import { buildReplayQuery } from './replay-query.ts';

export { formatExpr as whereText } from '../format/expr.ts';
export { reservoirViews } from './reservoir-views.ts';
export { planInputs } from './inputs.ts';
export { liveRecordLines } from './replay-query.ts';
export { PAYLOAD_TEXT } from './record-lines.ts';

export interface SqlNaming {
  /** Drill storage plugin that maps the reservoir bucket (dfs/s3 type); each reservoir is a workspace named after it. */
  readonly drillStoragePlugin: string;
  /** Hive database holding one table per live stream (`<stream>_live`), seen by Drill through its hive plugin. */
  readonly hiveDatabase: string;
}

/**
 * The replay's source query with everything SQL can do pushed down, the named inputs it reads
 * (which each engine binds), and the pushed-down operators in execution order.
 */
export function replaySql(
  replay: ReplayModel,
  reservoir: ReservoirModel,
  stream: StreamModel,
  naming: SqlNaming,
): { sql: SqlByDialect; inputs: PlanInput[]; operators: ReplayOperator[] } {
  const { operators } = buildReplayQuery(replay, reservoir, stream, naming);
  const sql = byDialect((d) => printQuery(buildReplayQuery(replay, reservoir, stream, naming, d.payloadTextFromLines).query, d));
  return { sql, inputs: planInputs(replay.source, reservoir, stream, naming), operators };
}

/** A saved query runs as written in both engines; the reservoir views make its names resolve. */
export function savedQuerySql(sql: string): SqlByDialect {
  const text = sql.trim();
  return { duckdb: text, drill: text };
}
