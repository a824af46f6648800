// A query's reservoir views placed in its text as subqueries, so DuckDB binds each view once.
// Created as views, they are bound twice: on CREATE VIEW (DuckDB 1.5.6 always binds there: a few
// milliseconds, and ~20 µs per archived file the view lists) and again in the query. DuckDB binds
// a view as a subquery named like it; this does the same in the text.
//
// Done on the positions of DuckDB's own parse (json_serialize_sql), and only where it provably
// reads the same:
// - one statement, with no CTE (whose names a body could see) and no table but the views
//   (catalog functions and other tables would find the views missing);
// - each reference is a plain name at its position, replaced by `(body) AS name` (or `(body)`
//   before the user's own alias);
// - a view's name appears nowhere else in the parse but as an alias or in a column reference
//   (`orders.total`, which the subquery's name answers the same).
// Anything else creates the views and runs the text as written.

import { plainReadPart, walk, type Node } from './payload-usage.ts';
import { quoteIdent } from './sql-engine.ts';

export interface InlinedView {
  readonly name: string;
  readonly body: string;
}

/** Keys under which a view's name may appear in the parse without naming the view itself. */
const NAMING_KEYS = new Set(['alias', 'column_names']);

/**
 * `sql` with every reference to one of `views` replaced by the view's body, or null when that is
 * not provably the same query. `serialized`: DuckDB's parse of `sql` (PayloadUsage.serialized).
 */
export function inlineViews(sql: string, serialized: string | undefined, views: readonly InlinedView[]): string | null {
  if (serialized === undefined || views.length === 0) return null;
  let tree: { error?: unknown; statements?: unknown };
  try {
    tree = JSON.parse(serialized) as typeof tree;
  } catch {
    return null;
  }
  if (tree.error !== false || !Array.isArray(tree.statements) || tree.statements.length !== 1) return null;
  const byName = new Map(views.map((v) => [v.name.toLowerCase(), v]));
  const refs = viewReferences(tree.statements, byName);
  if (refs === null || refs.length === 0) return null;

  // DuckDB's positions count bytes of the UTF-8 text.
  const text = Buffer.from(sql, 'utf8');
  const pieces: Buffer[] = [];
  let at = 0;
  for (const ref of [...refs].sort((a, b) => a.location - b.location)) {
    const length = nameLength(text, ref.location, ref.name);
    if (length === null || ref.location < at) return null;
    const view = byName.get(ref.name.toLowerCase())!;
    const named = ref.alias === '' ? ` AS ${quoteIdent(ref.name)}` : '';
    pieces.push(text.subarray(at, ref.location), Buffer.from(`(${view.body})${named}`, 'utf8'));
    at = ref.location + length;
  }
  pieces.push(text.subarray(at));
  return Buffer.concat(pieces).toString('utf8');
}

interface ViewReference {
  readonly name: string;
  readonly alias: string;
  readonly location: number;
}

/** The references to the views, or null when the parse holds anything inlining could change. */
function viewReferences(statements: readonly unknown[], views: ReadonlyMap<string, InlinedView>): ViewReference[] | null {
  const refs = new Map<number, ViewReference>();
  let ok = true;
  const named = (value: unknown) => typeof value === 'string' && views.has(value.toLowerCase());
  walk(statements, (node: Node) => {
    if (!ok) return;
    for (const [key, value] of Object.entries(node)) {
      if (NAMING_KEYS.has(key) || (key === 'table_name' && node.type === 'BASE_TABLE')) continue;
      if (named(value)) ok = false;
      if (Array.isArray(value) && value.some(named)) ok = false;
    }
    const part = plainReadPart(node);
    if (part === 'refused') ok = false;
    else if (part === 'table') {
      const location = node.query_location;
      if (!named(node.table_name) || typeof location !== 'number' || !Number.isSafeInteger(location) || typeof node.alias !== 'string') {
        ok = false;
        return;
      }
      const ref = { name: node.table_name as string, alias: node.alias, location };
      const seen = refs.get(location);
      // A reference DuckDB repeats in its parse is one place in the text.
      if (seen && (seen.name !== ref.name || seen.alias !== ref.alias)) ok = false;
      refs.set(location, ref);
    }
  });
  return ok ? [...refs.values()] : null;
}

/** Bytes the name takes at `at` in the text, written plain or quoted; null when it is not written there. */
function nameLength(text: Buffer, at: number, name: string): number | null {
  const quoted = Buffer.from(`"${name.replaceAll('"', '""')}"`, 'utf8');
  if (text.subarray(at, at + quoted.length).equals(quoted)) return quoted.length;
  const plain = Buffer.from(name, 'utf8');
  if (!text.subarray(at, at + plain.length).equals(plain)) return null;
  const before = at > 0 ? text[at - 1] : undefined;
  const after = text[at + plain.length];
  return identifierByte(before) || before === 0x22 || before === 0x2e || identifierByte(after) ? null : plain.length;
}

/** A byte that continues an unquoted identifier (letters, digits, `_`, `$`, any byte of a non-ASCII character). */
function identifierByte(b: number | undefined): boolean {
  if (b === undefined) return false;
  return b >= 0x80 || b === 0x5f || b === 0x24 || (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
}
