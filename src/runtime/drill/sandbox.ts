// SQL from others (the job service) on Drill: one SELECT (or WITH) whose physical plan, as Drill's
// own planner gives it (EXPLAIN PLAN FOR, which refuses anything that is not a query), reads only
// files inside the served reservoirs. Drill cannot be confined as DuckDB is (its reach is its
// plugins'), so the plan is checked instead: a system table, INFORMATION_SCHEMA, the classpath, a
// table function over another workspace or a file outside the reservoirs is refused (WS770).

import { RuntimeError } from '../runtime-error.ts';
import { SqlError, type SqlEngine } from '../query/sql-engine.ts';
import type { QuerySandbox } from '../query/sandbox.ts';
import { splitStatements, statementKind } from './statements.ts';

/**
 * Refuses anything but one SELECT/WITH by its words, before Drill parses it (its parser's message
 * for a CREATE would read as a typo) or any view is bound. No statement at all is left to WS771.
 */
export function checkDrillSelect(sql: string): void {
  const statements = splitStatements(sql);
  if (statements.length > 1) throw new RuntimeError('WS770', { what: `${statements.length} statements` });
  if (statements.length === 0) return;
  const word = statementKind(statements[0]);
  if (word !== 'SELECT' && word !== 'WITH') throw new RuntimeError('WS770', { what: word ? `a ${word} statement` : 'a statement other than SELECT' });
}

interface PlanNode {
  readonly pop?: string;
  readonly child?: number;
  readonly left?: number;
  readonly right?: number;
  readonly children?: readonly number[];
  readonly files?: readonly string[];
  readonly entries?: readonly { readonly path?: string }[];
  readonly selectionRoot?: string;
}

/** A path as Drill writes it (`file:/a`, `/a`, `s3a://b/k`), normalised for comparison with a root. */
function normalisePath(p: string): string {
  return p.replace(/^file:(?:\/\/)?(?=\/)/, '').replace(/^s3[an]?:\/\//, 's3://');
}

function inside(file: string, roots: readonly string[]): boolean {
  const f = normalisePath(file);
  if (f.split('/').includes('..')) return false;
  return roots.some((root) => {
    const r = normalisePath(root).replace(/\/+$/, '');
    return f === r || f.startsWith(`${r}/`);
  });
}

/**
 * Plans the SQL with Drill (after the views exist) and refuses it unless every leaf of the plan is
 * literal VALUES or a file scan of files under `roots` (the served reservoirs: `/abs/folder` or
 * `s3://bucket/prefix`; Drill's s3a:// names the same). A statement Drill will not plan as a query is refused too.
 */
export async function checkDrillConfined(engine: SqlEngine, sql: string, roots: readonly string[]): Promise<void> {
  let rows;
  try {
    rows = await engine.rows(`EXPLAIN PLAN FOR ${sql.trim().replace(/;+\s*$/, '')}`);
  } catch (err) {
    if (!(err instanceof SqlError)) throw err;
    // Not a query at all (EXPLAIN accepts queries only), or a mistake the run would report the same way.
    if (/Non-query expression|Encountered/i.test(err.message)) throw new RuntimeError('WS770', { what: 'a statement Drill does not plan as a query' });
    throw err;
  }
  const json = rows[0]?.[1];
  const text = typeof json === 'string' ? json : '';
  let graph: readonly PlanNode[];
  try {
    graph = (JSON.parse(text) as { graph?: PlanNode[] }).graph ?? [];
  } catch {
    throw new RuntimeError('WS770', { what: 'a query whose plan Drill did not show' });
  }
  for (const n of graph) {
    // Leaves read something: literal rows, or files that must be the reservoirs'.
    if (n.child !== undefined || n.left !== undefined || n.children !== undefined) continue;
    if (n.pop === 'values') continue;
    const files = [...(n.files ?? []), ...(n.entries ?? []).flatMap((e) => (e.path ? [e.path] : [])), ...(n.selectionRoot ? [n.selectionRoot] : [])];
    if (files.length === 0) throw new RuntimeError('WS770', { what: `a query reading ${n.pop ?? 'a source'} (only the served views may be read)` });
    const outside = files.find((f) => !inside(f, roots));
    if (outside !== undefined) throw new RuntimeError('WS770', { what: `a query reading ${outside} (only the served views may be read)` });
  }
}

/** The SQL wrapped so that at most maxRows rows come back (Drill: rows only; previews cut bytes themselves). */
export function boundedDrillSql(sql: string, sandbox: QuerySandbox): string {
  if (sandbox.maxRows === undefined) return sql;
  return `SELECT * FROM (\n${sql.trim().replace(/;+\s*$/, '')}\n) AS wshed_bounded LIMIT ${sandbox.maxRows}`;
}
