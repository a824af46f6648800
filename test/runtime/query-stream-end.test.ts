// A streamed result that fails after its first rows must fail, not pass for the whole answer
// (duckdb-stream-end.ts: node-api ends such a stream like a finished one). Rows here are many and
// wide, and the failing ones last, so DuckDB's stream buffer fills long before: rows are given first.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openDuckDbEngine } from '../../src/runtime/query/duckdb-engine.ts';
import { SqlError, type SqlEngine } from '../../src/runtime/query/sql-engine.ts';

/** 600,000 rows of about 100 bytes; from row 590,000 on, a text that does not cast. */
const FAILING = `SELECT x, repeat('x', 100) AS pad, CAST(CASE WHEN x >= 590000 THEN 'bad' ELSE '1' END AS INTEGER) AS v FROM range(600000) AS t(x)`;
/** The same with a list column, which stream() and streamJsonLines have DuckDB render as JSON text (another statement). */
const FAILING_NESTED = FAILING.replace('SELECT x,', 'SELECT x, [x, x] AS pair,');

async function withEngine(run: (engine: SqlEngine) => Promise<void>): Promise<void> {
  const engine = await openDuckDbEngine({ threads: 2, memoryLimit: '256MB' });
  try {
    await run(engine);
  } finally {
    await engine.close();
  }
}

/** Rows read before the failure, and the failure. */
async function drain(next: () => Promise<readonly unknown[] | null>): Promise<{ rows: number; error: unknown }> {
  let rows = 0;
  try {
    for (let batch = await next(); batch !== null; batch = await next()) rows += batch.length;
    return { rows, error: null };
  } catch (error) {
    return { rows, error };
  }
}

test('stream, streamJsonLines and the rendered nested path fail with DuckDB\'s message after the rows they gave', async () => {
  await withEngine(async (engine) => {
    const cases: [string, () => Promise<{ next(): Promise<readonly unknown[] | null> }>][] = [
      ['stream', () => engine.stream(FAILING)],
      ['stream with a list column', () => engine.stream(FAILING_NESTED)],
      ['streamJsonLines', async () => (await engine.streamJsonLines!(FAILING_NESTED))!],
    ];
    for (const [name, start] of cases) {
      const stream = await start();
      const { rows, error } = await drain(() => stream.next());
      assert.instance(error, SqlError, name);
      const message = (error as Error).message;
      assert.match(message, /^Conversion Error: Could not convert string 'bad' to INT32/, name);
      assert.ok(rows > 0 && rows < 600000, `${name}: ${rows} rows before the failure`);
      assert.ok(message.includes(`after ${rows.toLocaleString('en-US')} rows, which were already given`), message);
      // Its position would be in wshed's text, not the user's.
      assert.not.match(message, /LINE 1|hash\(t\)/, name);
    }
  });
});

test('a stream that ends leaves no transaction open, and a user transaction is left to the user', async () => {
  await withEngine(async (engine) => {
    const ok = await engine.stream('SELECT x FROM range(5000) AS t(x)');
    assert.is((await drain(() => ok.next())).rows, 5000);
    // Inside an open transaction BEGIN would fail: the user's opens.
    const opened = await engine.stream('BEGIN TRANSACTION; CREATE TABLE kept AS SELECT 1 AS one; SELECT one FROM kept');
    assert.is((await drain(() => opened.next())).rows, 1);
    // Still the user's: the next stream runs in it, and its failure is found there too.
    const failing = await engine.stream(`SELECT 2 AS two; ${FAILING}`);
    const { error } = await drain(() => failing.next());
    assert.instance(error, SqlError);
    assert.match((error as Error).message, /the query failed after [\d,]+ rows, which were already given \(DuckDB tells why only for a single statement/);
    assert.match(await engine.exec('SELECT 1').then(() => 'ran', (e: Error) => e.message), /Current transaction is aborted/);
    await engine.exec('ROLLBACK');
    assert.equal(await engine.rows('SELECT 42'), [[42]]);
    // Rolled back by the user: the table is gone, and streams have their own transaction again.
    assert.match(await engine.rows('SELECT one FROM kept').then(() => 'found', (e: Error) => e.message), /kept does not exist/);
    const again = await engine.stream('SELECT x FROM range(10) AS t(x)');
    assert.is((await drain(() => again.next())).rows, 10);
  });
});

test('a failure in the first rows still fails where the stream starts, and the next query runs', async () => {
  await withEngine(async (engine) => {
    const early = await engine.stream(`SELECT CAST('x' || x AS INTEGER) FROM range(10) AS t(x)`).then(() => 'started', (e: Error) => e.message);
    assert.match(early, /Could not convert string 'x0'/);
    const ok = await engine.stream('SELECT x FROM range(3) AS t(x)');
    assert.is((await drain(() => ok.next())).rows, 3);
  });
});

test.run();
