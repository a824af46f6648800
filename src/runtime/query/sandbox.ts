// SQL from others (the job service's queryIn and previews) runs sandboxed: one read-only
// statement, checked by its prepared kind, with the engine confined to the served reservoirs'
// folders (sql-engine.ts `confine`), and, for previews, bounded in rows and in bytes by a wrapper
// that cuts long cells with a marker before they leave the engine. `wshed query` is not sandboxed.

import { RuntimeError } from '../runtime-error.ts';
import { quoteIdent, quoteString, type SqlColumn, type SqlEngine, type SqlStatementDescription } from './sql-engine.ts';

export interface QuerySandbox {
  /** At most this many rows come back (a LIMIT around the query; 0 binds it without reading a row). */
  readonly maxRows?: number;
  /** The rows that come back hold about this many bytes at most: long text cells are cut to fit. */
  readonly maxBytes?: number;
}

/** Statement kinds that only read (DESCRIBE, SHOW, SUMMARIZE, VALUES and FROM-first are SELECTs too). */
const READ_ONLY_KINDS = new Set(['SELECT']);
const MIN_CELL_CHARS = 256;
const MAX_CELL_CHARS = 64 * 1024;

/** Refuses anything but one read-only statement (WS770); runs nothing. */
export async function checkReadOnly(engine: SqlEngine, sql: string): Promise<SqlStatementDescription> {
  const described = await engine.describe(sql);
  if (!READ_ONLY_KINDS.has(described.kind)) throw new RuntimeError('WS770', { what: `a ${described.kind} statement` });
  return described;
}

/**
 * The first gate, from the parse alone (before any view exists, so a DROP VIEW of a view not yet
 * defined is refused as a DROP, not reported missing): DuckDB serializes SELECTs only.
 */
export async function checkParsedSelect(engine: SqlEngine, sql: string): Promise<void> {
  const [[serialized]] = await engine.rows(`SELECT json_serialize_sql(${quoteString(sql)})::VARCHAR`);
  let tree: { error?: boolean; error_message?: string };
  try {
    tree = JSON.parse(String(serialized)) as typeof tree;
  } catch {
    return;
  }
  if (tree.error === true && /only select statements/i.test(tree.error_message ?? '')) {
    const word = /^\s*(?:--[^\n]*\n\s*|\/\*[\s\S]*?\*\/\s*)*([A-Za-z]+)/.exec(sql)?.[1]?.toUpperCase();
    throw new RuntimeError('WS770', { what: word ? `a ${word} statement` : 'a statement other than SELECT' });
  }
}

/** A statement count other than one, refused before anything is read. */
export function checkOneStatement(statements: number): void {
  if (statements > 1) throw new RuntimeError('WS770', { what: `${statements} statements` });
}

/** A file access the confined engine refused, as the sandbox's own error. */
export function isConfinementError(message: string): boolean {
  return /^Permission Error:/.test(message) || /disabled by configuration|lock_configuration|configuration has been locked/i.test(message);
}

/** Characters each text cell may keep so that `rows` rows of these columns fit in `maxBytes`. */
export function cellCharLimit(columns: readonly SqlColumn[], rows: number, maxBytes: number): number {
  const cuttable = Math.max(1, columns.filter((c) => cutKind(c.type) !== null).length);
  // Three quarters of the budget for the cut cells leaves room for markers, numbers and JSON syntax.
  return Math.max(MIN_CELL_CHARS, Math.min(MAX_CELL_CHARS, Math.floor((maxBytes * 0.75) / (Math.max(1, rows) * cuttable))));
}

/** The SQL wrapped so that at most maxRows rows come back and no text cell is longer than the limit; as is when no bound applies. */
export function boundedSql(sql: string, columns: readonly SqlColumn[], sandbox: QuerySandbox): string {
  const limit = sandbox.maxRows;
  const cut = sandbox.maxBytes === undefined ? null : cellCharLimit(columns, limit ?? 2048, sandbox.maxBytes);
  if (limit === undefined && cut === null) return sql;
  // Columns by position (names may repeat in a result), renamed back to what the query called them.
  const aliases = columns.map((_, i) => `wshed_c${i + 1}`);
  const select = columns.map((c, i) => `${cut === null ? aliases[i] : cutCell(aliases[i], c.type, cut)} AS ${quoteIdent(c.name)}`);
  const inner = sql.trim().replace(/;+\s*$/, '');
  return `SELECT ${select.join(', ') || '*'} FROM (\n${inner}\n) AS wshed_bounded(${aliases.join(', ')})${limit === undefined ? '' : ` LIMIT ${limit}`}`;
}

type CutKind = 'text' | 'json' | 'nested' | 'blob';

function cutKind(type: string): CutKind | null {
  const t = type.toUpperCase();
  if (t === 'VARCHAR') return 'text';
  if (t === 'JSON') return 'json';
  if (t === 'BLOB') return 'blob';
  if (/^(STRUCT|MAP|UNION)\(/.test(t) || /\]$/.test(t)) return 'nested';
  return null;
}

/** A cell cut to `limit` characters, with a marker that says how long it was; the same type when it can stay so. */
function cutCell(column: string, type: string, limit: number): string {
  const marker = (text: string) => `' … [cut: ' || length(${text}) || ' characters in all]'`;
  switch (cutKind(type)) {
    case 'text':
      return `CASE WHEN length(${column}) > ${limit} THEN left(${column}, ${limit}) || ${marker(column)} ELSE ${column} END`;
    case 'json': {
      const text = `${column}::VARCHAR`;
      return `CASE WHEN length(${text}) > ${limit} THEN to_json(left(${text}, ${limit}) || ${marker(text)}) ELSE ${column} END`;
    }
    case 'nested': {
      const text = `to_json(${column})::VARCHAR`;
      return `CASE WHEN length(${text}) > ${limit} THEN to_json(left(${text}, ${limit}) || ${marker(text)}) ELSE to_json(${column}) END`;
    }
    case 'blob': {
      const text = `${column}::VARCHAR`;
      return `CASE WHEN length(${text}) > ${limit} THEN left(${text}, ${limit}) || ${marker(text)} ELSE ${text} END`;
    }
    default:
      return column;
  }
}
