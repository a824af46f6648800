// Nested result values (structs, lists) rendered as JSON text by DuckDB itself (to_json, finished
// in node), in the exact form output.ts's jsonText gives them: reading a struct or list cell
// through node-api builds JS objects per value and cost ~100 µs a row (SELECT * over a million
// records: ~110 s of 130 s).

import { DuckDBListType, DuckDBStructType, DuckDBTypeId, type DuckDBType } from '@duckdb/node-api';
import { quoteIdent } from './sql-engine.ts';

/** DuckDB's integer types, of every width and sign. */
export const INTEGER_TYPE_IDS: readonly DuckDBTypeId[] = [
  DuckDBTypeId.TINYINT,
  DuckDBTypeId.SMALLINT,
  DuckDBTypeId.INTEGER,
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT,
  DuckDBTypeId.UINTEGER,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.UHUGEINT,
];
const INTEGERS = new Set<DuckDBTypeId>(INTEGER_TYPE_IDS);

/** For a struct or list whose leaves are all strings, booleans or integers: whether integers are among them. Null otherwise. */
export function nestedLeaves(type: DuckDBType): { integers: boolean } | null {
  if (!(type instanceof DuckDBStructType || type instanceof DuckDBListType)) return null;
  let integers = false;
  const visit = (t: DuckDBType): boolean => {
    if (t.alias !== undefined) return false;
    if (t instanceof DuckDBStructType) return t.entryTypes.length > 0 && t.entryTypes.every(visit);
    if (t instanceof DuckDBListType) return visit(t.valueType);
    if (INTEGERS.has(t.typeId)) integers = true;
    return t.typeId === DuckDBTypeId.VARCHAR || t.typeId === DuckDBTypeId.BOOLEAN || INTEGERS.has(t.typeId);
  };
  return visit(type) ? { integers } : null;
}

/** Where a statement column's value is in a row of the wrapped statement. */
export type ColumnPlace =
  | { readonly kind: 'plain'; readonly at: number }
  /**
   * Piece `at` of the packed text; `json` says how the piece is JSON text (null: plain text):
   * as written, rendered here, or to_json's with integers past 2^53 still to quote.
   */
  | { readonly kind: 'packed'; readonly at: number; readonly json: 'as-is' | 'rendered' | 'to-json-integers' | null };

export interface NestedAsText {
  /** The statement wrapped: its other columns, then one VARCHAR column packing the text ones. */
  readonly sql: string;
  /** Types of the wrapped statement's columns before the packed one. */
  readonly plainTypes: readonly DuckDBType[];
  /** One per column of the statement, in its order. */
  readonly places: readonly ColumnPlace[];
}

/**
 * Wraps one SELECT so DuckDB renders its struct and list columns as JSON text and packs every text
 * column of a row (VARCHAR, JSON, the rendered ones) into one VARCHAR, `<len>,<len>,…:<text><text>…`
 * with lengths in code points (`-` for NULL): node-api reads each text value through a native call
 * and a copy, so one per row instead of one per cell halves what SELECT * costs in node.
 * Null when it would not help (fewer than two text columns and nothing to render) or the columns
 * cannot be named (duplicate names, ignoring case). A projection over an ordered subquery keeps
 * its order in DuckDB (the ORDER BY fixes it).
 */
export function nestedAsText(sql: string, names: readonly string[], types: readonly DuckDBType[]): NestedAsText | null {
  if (new Set(names.map((n) => n.toLowerCase())).size !== names.length) return null;
  const plain: string[] = [];
  const plainTypes: DuckDBType[] = [];
  const packed: string[] = [];
  let rendered = 0;
  const places = names.map((name, i): ColumnPlace => {
    const column = `wshed_rendered.${quoteIdent(name)}`;
    const type = types[i];
    // Strings, booleans and integers only: to_json's text, finished in node (unsafeIntegersQuoted,
    // lowerHexEscapes). One call per value, where rendering leaf by leaf made the wrapped
    // statement slow to bind and to start (a LIMIT 100 paid more for it than node does per row).
    const leaves = nestedLeaves(type);
    if (leaves) {
      rendered++;
      packed.push(`CAST(to_json(${column}) AS VARCHAR)`);
      return { kind: 'packed', at: packed.length - 1, json: leaves.integers ? 'to-json-integers' : 'rendered' };
    }
    if (type.typeId === DuckDBTypeId.VARCHAR && (type.alias === undefined || type.alias === 'JSON')) {
      packed.push(column);
      return { kind: 'packed', at: packed.length - 1, json: type.alias === 'JSON' ? 'as-is' : null };
    }
    plain.push(column);
    plainTypes.push(type);
    return { kind: 'plain', at: plain.length - 1 };
  });
  if (rendered === 0 && packed.length < 2) return null;
  // Each text computed once, in an inner projection, then measured and joined: spelled out twice
  // (length and text) the renderings were bound, optimized and evaluated twice.
  const inner = [...plain.map((p, i) => `${p} AS wshed_v${i}`), ...packed.map((p, i) => `${p} AS wshed_p${i}`)];
  // One concat of every piece (it reads NULL as ''), where a chain of || made a string per step.
  const lengths = packed.flatMap((_, i) => [...(i > 0 ? [`','`] : []), `coalesce(CAST(length(wshed_p${i}) AS VARCHAR), '-')`]);
  const texts = packed.map((_, i) => `wshed_p${i}`);
  const items = [...plain.map((_, i) => `wshed_v${i}`), `concat(${[...lengths, `':'`, ...texts].join(', ')}) AS wshed_packed`];
  const body = `SELECT ${inner.join(', ')} FROM (\n${sql.replace(/[\s;]+$/, '')}\n) AS wshed_rendered`;
  return { sql: `SELECT ${items.join(', ')} FROM (${body}) AS wshed_texts`, plainTypes, places };
}

/** The pieces of a packed text (see nestedAsText), null for NULL. */
export function unpack(packed: string): (string | null)[] {
  const colon = packed.indexOf(':');
  const lengths = packed.slice(0, colon).split(',');
  const pieces: (string | null)[] = [];
  // Lengths count code points: they are UTF-16 units too unless the text holds a surrogate pair.
  const astral = /[\ud800-\udfff]/.test(packed);
  let at = colon + 1;
  for (const length of lengths) {
    if (length === '-') {
      pieces.push(null);
      continue;
    }
    let end = at;
    if (!astral) end += Number(length);
    else for (let n = Number(length); n > 0; n--) end += packed.charCodeAt(end) >= 0xd800 && packed.charCodeAt(end) <= 0xdbff ? 2 : 1;
    pieces.push(packed.slice(at, end));
    at = end;
  }
  return pieces;
}

/**
 * to_json's text of a value whose leaves are strings, booleans and integers with each integer past
 * 2^53 as a string, as jsonText gives it: every number outside a string is an integer leaf, and
 * one of 16 digits or more is the only kind that can be past 2^53.
 */
export function unsafeIntegersQuoted(json: string): string {
  if (!/[0-9]{16}/.test(json)) return json;
  return json.replace(/"(?:[^"\\]|\\.)*"|-?[0-9]+/g, (token) => {
    if (token.startsWith('"')) return token;
    const n = BigInt(token);
    return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? token : `"${token}"`;
  });
}

/** DuckDB writes control characters as `\u001B`; JSON.stringify (and so jsonText) as `\u001b`. */
export function lowerHexEscapes(json: string): string {
  if (!json.includes('\\u00')) return json;
  return json.replace(/\\(?:u00([0-9A-Fa-f]{2})|[\s\S])/g, (escape, hex: string | undefined) => (hex === undefined ? escape : `\\u00${hex.toLowerCase()}`));
}
