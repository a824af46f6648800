// Query rows as data instead of text: runQuery (the one SQL path over the reservoir views) streams
// NDJSON into a writable that splits each row into its columns' JSON texts, so a caller sees every
// value exactly as DuckDB rendered it (a payload keeps its text, numbers keep their digits).
// The writable holds one chunk at a time, so a slow consumer slows DuckDB down; stopping early
// ends the query without reading the rest of the result.

import { Writable } from 'node:stream';
import { objectMembers } from '../replay/json-text.ts';
import { runQuery, type QueryRunOptions, type QueryRunResult } from './run-query.ts';

/** One result row: each column's value as JSON text (`null`, `12`, `"a"`, `{"k":1}`), in column order. */
export interface QueryRow {
  readonly columns: ReadonlyMap<string, string>;
  /** The row as one JSON object text. */
  readonly text: string;
}

export interface QueryRowsOptions extends Omit<QueryRunOptions, 'format' | 'out'> {
  /** Called for each row in result order; awaiting it holds the query back. Return false to stop. */
  readonly onRow: (row: QueryRow, index: number) => Promise<boolean | void> | boolean | void;
  /** What runs the query and writes its NDJSON (default runQuery; the job service on Drill passes Drill's). */
  readonly run?: (o: QueryRunOptions) => Promise<QueryRunResult>;
}

export interface QueryRowsResult {
  /** Rows handed to onRow. */
  readonly rows: number;
  /** True when onRow asked to stop before the end of the result. */
  readonly stopped: boolean;
  readonly notes: readonly string[];
}

class StopRows extends Error {}

export async function queryRows(o: QueryRowsOptions): Promise<QueryRowsResult> {
  let index = 0;
  let stopped = false;
  let rest = '';
  const out = new Writable({
    // One chunk at a time: runQuery waits for 'drain' after every write.
    highWaterMark: 0,
    decodeStrings: false,
    write(chunk: string | Buffer, _enc, done) {
      const text = rest + (typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
      const lines = text.split('\n');
      rest = lines.pop() ?? '';
      (async () => {
        for (const line of lines) {
          if (line === '') continue;
          const members = objectMembers(line);
          if (!members) throw new Error(`query row is not a JSON object: ${line.slice(0, 80)}`);
          const columns = new Map(members.map((m) => [m.key, line.slice(m.valueStart, m.end)]));
          const more = await o.onRow({ columns, text: line }, index++);
          if (more === false) {
            stopped = true;
            throw new StopRows('stopped');
          }
        }
      })().then(() => done(), (err: Error) => done(err));
    },
  });
  out.on('error', () => {}); // the rejection reaches runQuery through its wait for 'drain'
  const { onRow: _onRow, run = runQuery, ...rest0 } = o;
  let result: QueryRunResult | null = null;
  try {
    result = await run({ ...rest0, format: 'ndjson', out } as QueryRunOptions);
  } catch (err) {
    if (!(err instanceof StopRows) && !stopped) throw err;
  }
  return { rows: index, stopped, notes: result?.notes ?? [] };
}

/**
 * `SELECT count(*) FROM (<sql>)`: the number of rows a single SELECT returns, without fetching them.
 * With a bound it stops counting there (and answers at most `bound`).
 */
export async function countQueryRows(o: Omit<QueryRunOptions, 'format' | 'out'> & Pick<QueryRowsOptions, 'run'> & { readonly sql: string }, bound?: number): Promise<number> {
  const inner = o.sql.trim().replace(/;+\s*$/, '');
  const counted = bound === undefined ? inner : `SELECT 1 FROM (\n${inner}\n) AS wshed_bounded LIMIT ${bound}`;
  let count = 0;
  await queryRows({
    ...o,
    sql: `SELECT count(*) AS n FROM (\n${counted}\n) AS wshed_counted`,
    onRow: (row) => {
      count = Number(JSON.parse(row.columns.get('n') ?? '0'));
    },
  });
  return count;
}
