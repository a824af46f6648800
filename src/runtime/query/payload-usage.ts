// Tells whether a query can see the raw `payload` column, from DuckDB's own parse of it, so the
// views read payloads as typed fields only (twice as fast) when nothing would miss the raw JSON.

import { PAYLOAD_COLUMN } from './views.ts';
import { quoteString, type SqlEngine } from './sql-engine.ts';

/** Table references in DuckDB's serialized parse tree (their aliases can be used as row values). */
const TABLE_REFS = new Set(['BASE_TABLE', 'SUBQUERY', 'TABLE_FUNCTION', 'JOIN', 'EXPRESSION_LIST', 'PIVOT', 'SHOW_REF', 'COLUMN_DATA']);

/**
 * True unless the parse shows the query cannot reach `payload`: it never names a column
 * `payload`, uses no `*` or COLUMNS(…) (which would list it), and never uses a whole row as a
 * value (`to_json(o)` with `o` a table alias). Anything DuckDB cannot serialize (statements other
 * than SELECT, such as DESCRIBE with options, PRAGMA, SET) counts as needing it.
 */
export async function needsRawPayload(engine: SqlEngine, sql: string): Promise<boolean> {
  const [[serialized]] = await engine.rows(`SELECT json_serialize_sql(${quoteString(sql)})::VARCHAR`);
  let tree: { error?: boolean; statements?: unknown[] };
  try {
    tree = JSON.parse(String(serialized)) as typeof tree;
  } catch {
    return true;
  }
  if (tree.error !== false || !Array.isArray(tree.statements)) return true;
  const relations = new Set<string>();
  const columnRefs: string[][] = [];
  let star = false;
  walk(tree.statements, (node) => {
    if (node.class === 'STAR') star = true;
    if (node.class === 'COLUMN_REF' && Array.isArray(node.column_names)) columnRefs.push(node.column_names.map((n) => String(n).toLowerCase()));
    if (typeof node.type === 'string' && TABLE_REFS.has(node.type)) {
      for (const key of ['alias', 'table_name']) if (typeof node[key] === 'string' && node[key] !== '') relations.add((node[key] as string).toLowerCase());
    }
  });
  if (star) return true;
  return columnRefs.some((names) => names.includes(PAYLOAD_COLUMN) || (names.length === 1 && relations.has(names[0])));
}

type Node = Record<string, unknown> & { class?: unknown; type?: unknown; column_names?: unknown[] };

function walk(value: unknown, visit: (node: Node) => void): void {
  if (Array.isArray(value)) {
    for (const v of value) walk(v, visit);
  } else if (value !== null && typeof value === 'object') {
    visit(value as Node);
    for (const v of Object.values(value)) walk(v, visit);
  }
}
