// POST /pump/jobs/preview: the first N rows of queryIn and the number of rows it returns in all.
// The rows are streamed and the query stopped after N; the total is `SELECT count(*) FROM (q)`,
// which DuckDB answers without producing the rows. Also the syntax check made when a job is submitted.

import { openDuckDbEngine } from '../runtime/query/duckdb-engine.ts';
import { countQueryRows, queryRows } from '../runtime/query/rows.ts';
import { SqlError } from '../runtime/query/sql-engine.ts';
import type { PumpContext } from './context.ts';

export interface Preview {
  /** Rows the query returns in all; null when it cannot be counted (several statements). */
  readonly count: number | null;
  readonly columns: readonly string[];
  readonly rows: readonly Record<string, unknown>[];
}

export async function previewQuery(ctx: PumpContext, sql: string, n: number): Promise<Preview> {
  const query = { sql, plan: ctx.plan, cwd: ctx.cwd, streams: ctx.streams, ...(ctx.duckdb ? { duckdb: ctx.duckdb } : {}) };
  const rows: Record<string, unknown>[] = [];
  let columns: string[] = [];
  const result = await queryRows({
    ...query,
    onRow: (row) => {
      if (rows.length === 0) columns = [...row.columns.keys()];
      rows.push(JSON.parse(row.text) as Record<string, unknown>);
      return rows.length < n;
    },
  });
  const count = result.stopped ? await countQueryRows(query).catch(() => null) : rows.length;
  return { count, columns, rows };
}

/** DuckDB's message when the SQL does not parse, else null. Names are not resolved here: that happens when the job runs. */
export async function sqlSyntaxError(sql: string): Promise<string | null> {
  const engine = await openDuckDbEngine({ threads: 1, memoryLimit: '64MB' });
  try {
    await engine.inspect(sql);
    return null;
  } catch (err) {
    if (err instanceof SqlError) return err.message;
    throw err;
  } finally {
    await engine.close();
  }
}
