// Tells what of the payload a query can see, from DuckDB's own parse of it: whether it reaches the
// raw `payload` column (else the views read payloads as typed fields only, as fast as DuckDB
// reading the files itself), and which payload fields it names (so the JSON path transforms only
// those, not every field of every record).

import { PAYLOAD_COLUMN } from './views.ts';
import { quoteString, type SqlEngine } from './sql-engine.ts';

/** Table references in DuckDB's serialized parse tree (their aliases can be used as row values). */
const TABLE_REFS = new Set(['BASE_TABLE', 'SUBQUERY', 'TABLE_FUNCTION', 'JOIN', 'EXPRESSION_LIST', 'PIVOT', 'SHOW_REF', 'COLUMN_DATA']);

export interface PayloadUsage {
  /** The query may see the raw `payload` column. */
  readonly raw: boolean;
  /**
   * Lower-cased names that may be columns of the views (every part of every column reference);
   * null when the query may see every column (`*`, COLUMNS(…), a whole row, or no parse).
   * A payload field not among them is not read by the query, so it need not be transformed.
   */
  readonly names: ReadonlySet<string> | null;
}

const EVERYTHING: PayloadUsage = { raw: true, names: null };

/**
 * The raw payload is seen unless the parse shows the query cannot reach it: it never names a
 * column `payload`, uses no `*` or COLUMNS(…) (which would list it), and never uses a whole row as
 * a value (`to_json(o)` with `o` a table alias). Anything DuckDB cannot serialize (statements
 * other than SELECT, such as DESCRIBE with options, PRAGMA, SET) counts as seeing everything.
 */
export async function payloadUsage(engine: SqlEngine, sql: string): Promise<PayloadUsage> {
  const [[serialized]] = await engine.rows(`SELECT json_serialize_sql(${quoteString(sql)})::VARCHAR`);
  let tree: { error?: boolean; statements?: unknown[] };
  try {
    tree = JSON.parse(String(serialized)) as typeof tree;
  } catch {
    return EVERYTHING;
  }
  if (tree.error !== false || !Array.isArray(tree.statements)) return EVERYTHING;
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
  if (star) return EVERYTHING;
  const wholeRow = columnRefs.some((names) => names.length === 1 && relations.has(names[0]));
  if (wholeRow) return EVERYTHING;
  return { raw: columnRefs.some((names) => names.includes(PAYLOAD_COLUMN)), names: new Set(columnRefs.flat()) };
}

/** Whether the query may see the raw `payload` column (see payloadUsage). */
export async function needsRawPayload(engine: SqlEngine, sql: string): Promise<boolean> {
  return (await payloadUsage(engine, sql)).raw;
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
