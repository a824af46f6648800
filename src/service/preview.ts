// POST /pump/jobs/preview: the first N rows of queryIn and how many rows it returns, bounded: the
// query runs sandboxed (runtime/query/sandbox.ts) with a LIMIT and long cells cut inside DuckDB so
// the answer stays within PREVIEW_BYTES, and the count stops at COUNT_BOUND ("at least"). At most
// PREVIEWS_AT_ONCE previews run at once; the rest wait their turn. Also the check of a job's SQL.

import { isRuntimeError, type RuntimeError } from '../runtime/runtime-error.ts';
import { openEmbeddedSqlEngine } from '../runtime/target/embedded-sql.ts';
import { countQueryRows, queryRows } from '../runtime/query/rows.ts';
import { SqlError } from '../runtime/query/sql-engine.ts';
import { servedQuery, type PumpContext } from './context.ts';

export interface Preview {
  /** Rows the query returns in all, or at least this many when countIsLowerBound; null when it could not be counted. */
  readonly count: number | null;
  /** True when the query returns more rows than were counted (count is then a lower bound). */
  readonly countIsLowerBound: boolean;
  readonly columns: readonly string[];
  readonly rows: readonly Record<string, unknown>[];
  /** True when fewer rows than asked came back because the preview reached its byte budget. */
  readonly truncated: boolean;
}

/** About the most bytes of rows a preview answers with: longer cells are cut to fit, with a marker. */
export const PREVIEW_BYTES = 4 * 1024 * 1024;
/** Rows a preview counts at most. */
export const COUNT_BOUND = 100_000;
/** Previews that run at once (each has its own DuckDB); more wait. */
export const PREVIEWS_AT_ONCE = 2;

/** Errors about the caller's SQL: a 400 with the message, as `wshed query` shows it. */
export const SQL_ERROR_CODES = ['WS741', 'WS742', 'WS770', 'WS771'] as const;

export function isSqlMistake(err: unknown): err is RuntimeError {
  return SQL_ERROR_CODES.some((code) => isRuntimeError(err, code));
}

/** The message of such an error with its fix, as a 400 says it. */
export function sqlMistakeText(err: RuntimeError): string {
  return `${err.message} (${err.fix})`;
}

export async function previewQuery(ctx: PumpContext, sql: string, n: number): Promise<Preview> {
  return inTurn(async () => {
    const rows: Record<string, unknown>[] = [];
    let columns: string[] = [];
    let bytes = 0;
    let truncated = false;
    await queryRows({
      ...servedQuery(ctx, sql, { maxRows: n, maxBytes: PREVIEW_BYTES }),
      onRow: (row) => {
        if (rows.length === 0) columns = [...row.columns.keys()];
        // Cells are cut to fit already; this catches many short columns adding up.
        bytes += row.text.length;
        if (rows.length > 0 && bytes > PREVIEW_BYTES) {
          truncated = true;
          return false;
        }
        rows.push(JSON.parse(row.text) as Record<string, unknown>);
        return rows.length < n;
      },
    });
    if (rows.length < n && !truncated) return { count: rows.length, countIsLowerBound: false, columns, rows, truncated };
    // More rows may follow: count them, up to the bound, in a query that reads no cell.
    const counted = await countQueryRows(servedQuery(ctx, sql), COUNT_BOUND + 1).catch(() => null);
    if (counted === null) return { count: rows.length, countIsLowerBound: true, columns, rows, truncated };
    return { count: Math.min(counted, COUNT_BOUND), countIsLowerBound: counted > COUNT_BOUND, columns, rows, truncated };
  });
}

/**
 * Why the SQL cannot run as a job (DuckDB's message: a syntax error, an unknown table or column,
 * SQL the sandbox refuses), or null. Binds it over the served views without reading a row.
 */
export async function servedSqlError(ctx: PumpContext, sql: string): Promise<string | null> {
  try {
    await inTurn(() => queryRows({ ...servedQuery(ctx, sql, { maxRows: 0 }), onRow: () => false }));
    return null;
  } catch (err) {
    if (isSqlMistake(err)) return sqlMistakeText(err);
    throw err;
  }
}

/** DuckDB's message when the SQL does not parse, else null (names are not resolved: see servedSqlError). */
export async function sqlSyntaxError(sql: string): Promise<string | null> {
  const engine = await openEmbeddedSqlEngine({}, { threads: 1, memoryLimit: '64MB' });
  try {
    const info = await engine.inspect(sql);
    return info.statements === 0 ? `the SQL holds no statement (only ';' or comments)` : null;
  } catch (err) {
    if (err instanceof SqlError) return err.message;
    throw err;
  } finally {
    await engine.close();
  }
}

let running = 0;
const waiting: (() => void)[] = [];

/** Runs `work` once fewer than PREVIEWS_AT_ONCE others run: previews and checks share the bound. */
async function inTurn<T>(work: () => Promise<T>): Promise<T> {
  // A finished run hands its place straight to the next in line, so none can slip in between.
  if (running >= PREVIEWS_AT_ONCE) await new Promise<void>((resolve) => waiting.push(resolve));
  else running++;
  try {
    return await work();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}
