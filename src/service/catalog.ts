// GET /pump/catalog: what the page's sidebar browses. The served files' reservoirs with their
// views and columns (names and DuckDB types, as `DESCRIBE` gives them over the real data), their
// saved queries and their declared replays. The SQL here is wshed's own, never the caller's.

import type { ArchiveStep, QueryStep, ReservoirView, ReservoirViewsStep } from '../compiler/plan/types.ts';
import type { ReplaySource } from '../compiler/model.ts';
import { isMetadataField } from '../compiler/record-layout.ts';
import { queryRows } from '../runtime/query/rows.ts';
import { quoteIdent } from '../runtime/query/sql-engine.ts';
import { PAYLOAD_COLUMN } from '../runtime/query/views.ts';
import { replaySteps, type PumpContext } from './context.ts';

export interface CatalogColumn {
  readonly name: string;
  /** The DuckDB type (`VARCHAR`, `BIGINT`, `STRUCT(id VARCHAR, …)`, `JSON`). */
  readonly type: string;
  /** Record metadata (`_stream`, `_shard_id`, …), a payload field, or the whole `payload`. */
  readonly kind: 'metadata' | 'field' | 'payload';
}

export interface CatalogReservoir {
  readonly name: string;
  readonly views: readonly { readonly name: string; readonly role: ReservoirView['role'] }[];
  /** The columns every view of the reservoir has (they share them); empty when `error` is set. */
  readonly columns: readonly CatalogColumn[];
  /** Why the columns could not be read (the reservoir's stream is unreachable, a file is unreadable…). */
  readonly error?: string;
}

export interface Catalog {
  readonly reservoirs: readonly CatalogReservoir[];
  readonly queries: readonly { readonly name: string; readonly sql: string }[];
  readonly replays: readonly { readonly name: string; readonly reservoir: string; readonly source: ReplaySource; readonly streamOut: string }[];
}

export async function readCatalog(ctx: PumpContext): Promise<Catalog> {
  const reservoirs: CatalogReservoir[] = [];
  for (const step of ctx.plan.steps) {
    if (step.kind === 'reservoir-views') reservoirs.push(await describeReservoir(ctx, step));
  }
  return {
    reservoirs,
    queries: ctx.plan.steps.filter((s): s is QueryStep => s.kind === 'query').map((q) => ({ name: q.name, sql: q.sql.duckdb.trim() })),
    replays: replaySteps(ctx.plan).map((r) => ({ name: r.name, reservoir: r.reservoir, source: r.source, streamOut: r.into })),
  };
}

async function describeReservoir(ctx: PumpContext, step: ReservoirViewsStep): Promise<CatalogReservoir> {
  const views = step.views.map((v) => ({ name: v.name, role: v.role }));
  const unified = step.views.find((v) => v.role === 'unified') ?? step.views[0];
  if (!unified) return { name: step.reservoir, views, columns: [] };
  // Only this reservoir's steps: describing one reservoir reads no other stream or folder.
  const plan = {
    ...ctx.plan,
    steps: ctx.plan.steps.filter((s) => (s.kind === 'reservoir-views' || s.kind === 'archive') && (s as ReservoirViewsStep | ArchiveStep).reservoir === step.reservoir),
  };
  const columns: CatalogColumn[] = [];
  try {
    await queryRows({
      sql: `DESCRIBE ${quoteIdent(unified.name)}`,
      plan,
      cwd: ctx.cwd,
      streams: ctx.streams,
      ...(ctx.duckdb ? { duckdb: ctx.duckdb } : {}),
      onRow: (row) => {
        const name = JSON.parse(row.columns.get('column_name') ?? 'null') as unknown;
        const type = JSON.parse(row.columns.get('column_type') ?? 'null') as unknown;
        if (typeof name === 'string') columns.push({ name, type: typeof type === 'string' ? type : '', kind: columnKind(name) });
      },
    });
  } catch (err) {
    return { name: step.reservoir, views, columns: [], error: (err as Error).message };
  }
  return { name: step.reservoir, views, columns };
}

function columnKind(name: string): CatalogColumn['kind'] {
  if (name === PAYLOAD_COLUMN) return 'payload';
  return name.startsWith('_') && isMetadataField(name.slice(1)) ? 'metadata' : 'field';
}
