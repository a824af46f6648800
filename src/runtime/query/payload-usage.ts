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
  /**
   * When the query reaches `payload` only as `payload->>'key'` with constant keys like identifiers
   * (and joins on no implicit columns): those keys. The views may then give `payload` as an object
   * of those keys alone, each the value read from the file (views.ts), and `->>` answers the same.
   */
  readonly extractedKeys?: ReadonlySet<string>;
  /**
   * DuckDB's serialized parse of the query (json_serialize_sql) whenever DuckDB gave one, for
   * payload-extraction.ts (with extractedKeys) and view-inlining.ts.
   */
  readonly serialized?: string;
  /** Not about the payload, from the same parse: the statement's own constant LIMIT, when it has one (SqlEngine.stream's rowsAtMost). */
  readonly rowsAtMost?: number;
}

const EVERYTHING: PayloadUsage = { raw: true, names: null };

/** Keys `->>` reads the same way in any object: no path syntax (`$`, `/`, `.`, `[`), not an index. */
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

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
  const limit = tree.statements.length === 1 ? topLimit(tree.statements[0]) : null;
  const shape = { ...(limit !== null ? { rowsAtMost: limit } : {}), serialized: String(serialized) };
  const relations = new Set<string>();
  const columnRefs: string[][] = [];
  let star = false;
  // `payload->>'key'`: the column reference inside, and the key.
  const extracted = new Map<object, string>();
  let implicitJoin = false;
  walk(tree.statements, (node) => {
    const key = extractedKey(node);
    if (key !== null) extracted.set((node.children as object[])[0], key);
    if (node.ref_type === 'NATURAL' || (Array.isArray(node.using_columns) && node.using_columns.length > 0)) implicitJoin = true;
  });
  let onlyExtracted = true;
  walk(tree.statements, (node) => {
    if (node.class === 'STAR') star = true;
    if (node.class === 'COLUMN_REF' && Array.isArray(node.column_names)) {
      const names = node.column_names.map((n) => String(n).toLowerCase());
      columnRefs.push(names);
      if (names.includes(PAYLOAD_COLUMN) && !extracted.has(node)) onlyExtracted = false;
    }
    if (typeof node.type === 'string' && TABLE_REFS.has(node.type)) {
      for (const key of ['alias', 'table_name']) if (typeof node[key] === 'string' && node[key] !== '') relations.add((node[key] as string).toLowerCase());
    }
  });
  if (star) return { ...EVERYTHING, ...shape };
  const wholeRow = columnRefs.some((names) => names.length === 1 && relations.has(names[0]));
  if (wholeRow) return { ...EVERYTHING, ...shape };
  const raw = columnRefs.some((names) => names.includes(PAYLOAD_COLUMN));
  const names = new Set(columnRefs.flat());
  if (!raw || !onlyExtracted || implicitJoin) return { raw, names, ...shape };
  return { raw, names, extractedKeys: new Set(extracted.values()), ...shape };
}

/** The constant row count of the statement's own LIMIT (not a subquery's, not a percentage), else null. */
function topLimit(statement: unknown): number | null {
  const modifiers = (statement as { node?: { modifiers?: unknown } } | null)?.node?.modifiers;
  if (!Array.isArray(modifiers)) return null;
  for (const m of modifiers as { type?: unknown; limit?: { class?: unknown; value?: { is_null?: unknown; value?: unknown } } | null }[]) {
    if (m.type !== 'LIMIT_MODIFIER' || m.limit?.class !== 'CONSTANT') continue;
    const n = m.limit.value?.is_null === false ? m.limit.value.value : null;
    if (typeof n === 'number' && Number.isSafeInteger(n) && n >= 0) return n;
  }
  return null;
}

/** The key of `<…>.payload ->> 'key'` with a plain key, else null. */
export function extractedKey(node: Node): string | null {
  if (node.class !== 'FUNCTION' || node.function_name !== '->>' || !Array.isArray(node.children) || node.children.length !== 2) return null;
  const [ref, constant] = node.children as Node[];
  if (ref?.class !== 'COLUMN_REF' || !Array.isArray(ref.column_names)) return null;
  if (String(ref.column_names[ref.column_names.length - 1]).toLowerCase() !== PAYLOAD_COLUMN) return null;
  const value = constant?.class === 'CONSTANT' ? (constant.value as { type?: { id?: unknown }; is_null?: unknown; value?: unknown } | undefined) : undefined;
  if (value?.type?.id !== 'VARCHAR' || value.is_null !== false || typeof value.value !== 'string' || !PLAIN_KEY.test(value.value)) return null;
  return value.value;
}

/** Whether the query may see the raw `payload` column (see payloadUsage). */
export async function needsRawPayload(engine: SqlEngine, sql: string): Promise<boolean> {
  return (await payloadUsage(engine, sql)).raw;
}

export type Node = Record<string, unknown> & { class?: unknown; type?: unknown; column_names?: unknown[]; children?: unknown[]; function_name?: unknown; ref_type?: unknown; using_columns?: unknown };

export function walk(value: unknown, visit: (node: Node) => void): void {
  if (Array.isArray(value)) {
    for (const v of value) walk(v, visit);
  } else if (value !== null && typeof value === 'object') {
    visit(value as Node);
    for (const v of Object.values(value)) walk(v, visit);
  }
}

/** Table references a rewrite over the views allows besides them: their columns come from those. */
const PLAIN_REFS = new Set(['JOIN', 'SUBQUERY', 'EMPTY']);
/** Query nodes such a rewrite allows (not a CTE's, not a recursive one). */
const PLAIN_NODES = new Set(['SELECT_NODE', 'SET_OPERATION_NODE']);

/**
 * How a node of DuckDB's parse counts for a rewrite that holds only where every table the query
 * reads is a view named plainly (payload-extraction.ts, view-inlining.ts): `table`, an unqualified
 * table reference (whose name the caller checks); `refused`, a CTE, another kind of query node,
 * a qualified or time-travel table, or any other table reference (a table function, VALUES, PIVOT,
 * SHOW, one DuckDB adds later); `plain`, anything else.
 */
export function plainReadPart(node: Node): 'table' | 'refused' | 'plain' {
  const ctes = (node.cte_map as { map?: unknown[] } | undefined)?.map;
  if (Array.isArray(ctes) && ctes.length > 0) return 'refused';
  if (typeof node.type === 'string' && node.type.endsWith('_NODE') && 'modifiers' in node) return PLAIN_NODES.has(node.type) ? 'plain' : 'refused';
  if (node.type === 'BASE_TABLE') {
    const plain = node.schema_name === '' && node.catalog_name === '' && (node.at_clause ?? null) === null && typeof node.table_name === 'string';
    return plain ? 'table' : 'refused';
  }
  // A table reference: expressions have a class, and query nodes were seen above.
  if (!('class' in node) && 'sample' in node && typeof node.type === 'string' && !PLAIN_REFS.has(node.type)) return 'refused';
  return 'plain';
}
