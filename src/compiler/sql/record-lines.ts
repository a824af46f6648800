// A replay's records with their payload's JSON text as archived, for a dialect whose JSON reader
// cannot give it back (Drill, `Dialect.payloadTextFromLines`): the files are read twice, as JSON
// (the payload map the filters and the compaction key read) and as lines of text, joined per file
// on the record's identity; the payload text is cut from its line.

import { RECORD_COLUMNS } from '../record-layout.ts';
import type { Relation, Select, SelectItem, SqlExpr } from './ast.ts';
import { allOf, bin, call, col, num, select, str } from './ast.ts';

/** The column carrying the payload's JSON text as the reservoir line holds it. */
export const PAYLOAD_TEXT = 'payload_text';
/** The alias of the lines side of the join. */
const L = 'l';
/** The file a row was read from (Drill's implicit column): a record's two lines in two files stay apart. */
const FILE = 'fqn';
/** The payload's key in a line: the first `,"payload":` is it, since a `"` inside a JSON string is escaped. */
const PAYLOAD_KEY = ',"payload":';

/**
 * A reservoir line is `{"stream":"S","shard_id":"I","sequence_number":"N","sub_sequence_number":K,…,"payload":P}`
 * (record-encoding.ts `reservoirLine`; stream names, shard ids and sequence numbers hold no `"`), so
 * split on `"` its 8th and 12th parts are the shard id and the sequence number, and its 15th is `:K,`.
 */
function identityOfLine(line: SqlExpr): SelectItem[] {
  const part = (n: number) => call('split_part', line, str('"'), num(n));
  const sub = call('split_part', call('split_part', part(15), str(':'), num(2)), str(','), num(1));
  return [
    { expr: part(8), alias: 'shard_id' },
    { expr: part(12), alias: 'sequence_number' },
    { expr: sub, alias: 'sub_sequence_number' },
  ];
}

/** `P` of a line: from just past the payload's key to the line's closing `}`. */
function payloadOfLine(line: SqlExpr): SqlExpr {
  const at = call('strpos', line, str(PAYLOAD_KEY));
  const start = bin('+', at, num(PAYLOAD_KEY.length));
  return call('substr', line, start, bin('-', bin('-', call('length', line), at), num(PAYLOAD_KEY.length)));
}

export interface RecordLinesScan {
  /** The files as the JSON reader reads them, aliased `table` (the reservoir's glob, or a snapshot's folder). */
  readonly files: Relation;
  /** The alias `files` has; `where` and the items read it. */
  readonly table: string;
  /** The JSON side's select items (the record columns as the stage wants them). */
  readonly items: readonly SelectItem[];
  /** Bounds on the files' folders (pruning), given for each side: `(alias) => condition`. */
  readonly where?: (alias: string) => SqlExpr | null;
  readonly limit?: number | null;
}

/** `SELECT items, l.payload_text FROM files AS t JOIN (the same files as lines) AS l ON same file and identity`. */
export function recordLinesScan(scan: RecordLinesScan): Select {
  const unaliased: Relation = { ...scan.files, alias: null } as Relation;
  const line: SqlExpr = { kind: 'index', base: col(L, 'columns'), index: 0 };
  const lines = select({
    items: [{ expr: col(L, FILE), alias: null }, ...identityOfLine(line), { expr: payloadOfLine(line), alias: PAYLOAD_TEXT }],
    from: { kind: 'text-lines', of: unaliased, alias: L },
    where: scan.where?.(L) ?? null,
  });
  const same = (name: string) => bin('=', col(L, name), col(scan.table, name));
  const identity = RECORD_COLUMNS.filter((c) => c.name === 'shard_id' || c.name === 'sequence_number' || c.name === 'sub_sequence_number').map((c) => same(c.name));
  return select({
    items: [...scan.items, { expr: col(L, PAYLOAD_TEXT), alias: null }],
    from: { kind: 'join', left: scan.files, right: { kind: 'subquery', query: lines, alias: L }, on: allOf([same(FILE), ...identity])! },
    where: scan.where?.(scan.table) ?? null,
    limit: scan.limit ?? null,
  });
}
