// `payload->>'key'` as a field access. Over views whose `payload` is the STRUCT of the keys the
// query extracts (views.ts reducedPayload), each `->>` of the query becomes struct_extract on the
// same column reference: the same text, without building and parsing a JSON text per row (a third
// of a group-by filtered on `payload->>'status'` over a million records).
//
// The change is made on DuckDB's own parse of the query (json_serialize_sql) and printed back by
// DuckDB (json_deserialize_sql), and only where it provably means the same:
// - every table the query reads is one of those views, named as such (no CTE, table function,
//   VALUES list, other table or schema that could give another column `payload`);
// - `payload` occurs nowhere else in the parse (no alias, column list or lambda of that name);
// - an unnamed result column keeps the name DuckDB gives the expression as written;
// - DuckDB reads the printed SQL back into the same tree.
// Anything else runs as written (the views answer `->>` the same either way, only slower).

import { extractedKey, plainReadPart, walk, type Node, type PayloadUsage } from './payload-usage.ts';
import { PAYLOAD_COLUMN } from './views.ts';
import { quoteString, SqlError, type SqlEngine } from './sql-engine.ts';

/**
 * The query with each `payload->>'key'` read as a field of the reduced payload, or null when that
 * is not provably the same query. `views`: lower-cased names of the views with the reduced payload.
 */
export async function payloadExtractionSql(engine: SqlEngine, usage: PayloadUsage, views: ReadonlySet<string>): Promise<string | null> {
  try {
    return await rewrite(engine, usage, views);
  } catch (err) {
    // DuckDB declining to print or read back a tree: the query runs as written.
    if (err instanceof SqlError) return null;
    throw err;
  }
}

async function rewrite(engine: SqlEngine, usage: PayloadUsage, views: ReadonlySet<string>): Promise<string | null> {
  if (!usage.serialized || !usage.extractedKeys || views.size === 0) return null;
  const exact = exactIntegers(usage.serialized);
  if (!exact) return null;
  const tree = JSON.parse(exact.text) as { error?: boolean; statements?: Node[] };
  if (tree.error !== false || !Array.isArray(tree.statements) || tree.statements.length !== 1) return null;
  const extractions: Node[] = [];
  walk(tree.statements, (node) => {
    if (extractedKey(node) !== null) extractions.push(node);
  });
  if (extractions.length === 0 || !onlyTheViews(tree.statements, views, new Set(extractions))) return null;

  // Result columns the rewrite would rename: unnamed ones holding an extraction keep DuckDB's name
  // for them as written (the expression's text), given as an alias.
  const unnamed: Node[] = [];
  walk(tree.statements, (node) => {
    if (node.type !== 'SELECT_NODE' || !Array.isArray(node.select_list)) return;
    for (const entry of node.select_list as Node[]) if (entry.alias === '' && extractions.some((x) => contains(entry, x))) unnamed.push(entry);
  });
  if (unnamed.length > 0) {
    templateText ??= String((await engine.rows(`SELECT json_serialize_sql('SELECT 1')::VARCHAR`))[0][0]);
    const template = exactIntegers(templateText, exact.marker);
    if (!template) return null;
    const alone = (entry: Node) => {
      const statement = JSON.parse(template.text) as { statements: [{ node: { select_list: Node[] } }] };
      statement.statements[0].node.select_list = [entry];
      return exact.restore(JSON.stringify(statement));
    };
    const [texts] = await engine.rows(`SELECT ${unnamed.map((e) => printed(alone(e))).join(', ')}`);
    for (let i = 0; i < unnamed.length; i++) {
      const text = texts[i];
      if (typeof text !== 'string' || !text.startsWith('SELECT ')) return null;
      unnamed[i].alias = text.slice('SELECT '.length);
    }
  }
  for (const node of extractions) {
    node.function_name = 'struct_extract';
    node.is_operator = false;
  }
  const expected = JSON.stringify(tree);
  const rewritten = exact.restore(expected);
  const [[sql, reread]] = await engine.rows(`SELECT ${printed(rewritten)}, json_serialize_sql(${printed(rewritten)})::VARCHAR`);
  if (typeof sql !== 'string' || typeof reread !== 'string') return null;
  const back = exactIntegers(reread, exact.marker);
  if (!back || withoutLocations(back.text) !== withoutLocations(expected)) return null;
  return sql;
}

/** DuckDB's parse of `SELECT 1`, the statement an unnamed column is printed alone in (the same for every engine of this DuckDB). */
let templateText: string | undefined;

/** SQL printing a serialized statement back as text. */
const printed = (serialized: string) => `json_deserialize_sql(CAST(${quoteString(serialized)} AS JSON))`;

/**
 * Whether every table the statements read is one of `views` (unqualified), with no CTE, and
 * `payload` named nowhere but in the extractions' column references.
 */
function onlyTheViews(statements: readonly Node[], views: ReadonlySet<string>, extractions: ReadonlySet<Node>): boolean {
  let ok = true;
  const visit = (value: unknown): void => {
    if (!ok) return;
    if (typeof value === 'string') {
      if (value.toLowerCase().includes(PAYLOAD_COLUMN)) ok = false;
      return;
    }
    if (Array.isArray(value)) {
      for (const v of value) visit(v);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    const node = value as Node;
    if (extractions.has(node)) {
      // The column reference (its last part is `payload`) and the key: the rest of the reference is checked.
      const [ref] = node.children as Node[];
      visit((ref.column_names as unknown[]).slice(0, -1));
      return;
    }
    const part = plainReadPart(node);
    if (part === 'refused' || (part === 'table' && !views.has((node.table_name as string).toLowerCase()))) ok = false;
    for (const v of Object.values(node)) visit(v);
  };
  visit(statements);
  return ok;
}

function contains(tree: unknown, target: object): boolean {
  let found = false;
  walk(tree, (node) => {
    if (node === target) found = true;
  });
  return found;
}

/** The serialized tree without its positions (they move when the text is printed again). */
function withoutLocations(text: string): string {
  return JSON.stringify(JSON.parse(text), (key, value: unknown) => (key === 'query_location' ? undefined : value));
}

/**
 * JSON text with every integer too long for a double made a marked string, so JSON.parse and
 * JSON.stringify keep it exactly (a position is 2^64-1 when unknown; a constant may be any
 * integer); `restore` turns the marks back into the digits. Null if no mark can be told apart.
 */
function exactIntegers(text: string, given?: string): { text: string; marker: string; restore: (json: string) => string } | null {
  // JSON.stringify always escapes U+0001, and DuckDB's JSON escapes no letter: a string of the
  // query's text can hold the escaped mark only if its text holds the mark's letters.
  const marker = given ?? `\u0001wshed-exact-${Math.random().toString(36).slice(2)}-`;
  const letters = marker.slice(1);
  if (text.includes(letters)) return null;
  let out = '';
  let i = 0;
  let from = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      // Skip the string, escapes included.
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      i++;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      const start = i;
      for (i++; i < text.length && /[0-9.eE+-]/.test(text[i]); i++);
      const token = text.slice(start, i);
      if (/^-?\d{16,}$/.test(token)) {
        out += text.slice(from, start) + JSON.stringify(marker + token);
        from = i;
      }
    } else {
      i++;
    }
  }
  const escaped = JSON.stringify(marker).slice(1, -1).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const marks = new RegExp(`"${escaped}(-?\\d+)"`, 'g');
  return { text: out + text.slice(from), marker, restore: (json) => json.replace(marks, '$1') };
}
