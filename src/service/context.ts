// What the pump service works with: the pipelines' plans (merged: every reservoir and replay of
// every file given), the working folder and home, and the Kinesis services to read and write.

import type { Plan, ReplayStep } from '../compiler/plan/types.ts';
import type { StreamService } from '../runtime/kinesis/stream-service.ts';
import type { DuckDbSettings } from '../runtime/query/duckdb-engine.ts';
import type { QuerySandbox } from '../runtime/query/sandbox.ts';
import type { Location } from '../compiler/model.ts';
import type { DrillTarget } from '../runtime/drill/engine-choice.ts';
import { runDrillQuery } from '../runtime/drill/run-query.ts';
import type { QueryRunOptions, QueryRunResult } from '../runtime/query/run-query.ts';
import type { ReservoirStore } from '../runtime/reservoir/store.ts';

export interface PumpContext {
  /** The steps of every pipeline file served, in one plan. */
  readonly plan: Plan;
  /** Folder relative reservoir paths are relative to. */
  readonly cwd: string;
  /** The watershed home: jobs in `<home>/jobs/`, replay checkpoints in `<home>/replays/`. */
  readonly home: string;
  /** Reads source streams (live views, replay sources). */
  readonly streams: StreamService;
  /** Writes destination streams; built with the SDK's retries off, as replays need (emitter.ts retries). */
  readonly destination: StreamService;
  readonly duckdb?: { readonly threads?: number; readonly memoryLimit?: string };
  /** Fraction of each destination shard's write budget a job may use (target config replay.shardBudgetFraction). */
  readonly shardBudgetFraction: number;
  /** Retries per Kinesis record before a job stops (target config replay.maxRetries). */
  readonly maxRetries: number;
  /**
   * Jobs and previews run on this Drill (the target runtime's engine: `serve --target aws`, or
   * `--engine drill`) over the plan's Drill views, reading reservoirs through `store`; else DuckDB.
   */
  readonly drill?: { readonly target: DrillTarget; readonly store: (reservoir: string, location: Location) => ReservoirStore };
}

/**
 * The options of a query the service runs for a caller: always sandboxed (one read-only
 * statement, files only inside the served reservoirs; see runtime/query/sandbox.ts).
 */
export function servedQuery(
  ctx: PumpContext,
  sql: string,
  bounds: QuerySandbox = {},
): { sql: string; plan: Plan; cwd: string; streams: StreamService; duckdb?: DuckDbSettings; sandbox: QuerySandbox; run?: (o: QueryRunOptions) => Promise<QueryRunResult> } {
  const drill = ctx.drill;
  return {
    sql,
    plan: ctx.plan,
    cwd: ctx.cwd,
    streams: ctx.streams,
    ...(ctx.duckdb ? { duckdb: ctx.duckdb } : {}),
    sandbox: bounds,
    ...(drill ? { run: (o: QueryRunOptions) => runDrillQuery({ ...o, drill: drill.target, store: drill.store }) } : {}),
  };
}

/** Plans of several files as one: their steps side by side. */
export function mergePlans(plans: readonly Plan[]): Plan {
  if (plans.length === 0) return { version: 1, pipeline: '', target: 'local', now: new Date().toISOString(), steps: [] };
  return { ...plans[0], pipeline: plans.map((p) => p.pipeline).join(', '), steps: plans.flatMap((p) => p.steps) };
}

export function replaySteps(plan: Plan): ReplayStep[] {
  return plan.steps.filter((s): s is ReplayStep => s.kind === 'replay');
}
