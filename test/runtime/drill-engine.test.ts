// The Drill SqlEngine against the real local Drill (scripts/drill.sh): values mapped exactly onto
// SqlValue (BIGINTs past 2^53 kept, dates as text), Drill's failures as SqlError with its message
// (also the late ones, whose message is only in the profile), a refused or wrong URL as one coded
// line, a cancelled query really cancelled on Drill, and a big result read with bounded memory.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { DrillClient } from '../../src/runtime/drill/client.ts';
import { openDrillEngine } from '../../src/runtime/drill/engine.ts';
import { jsonLineRows } from '../../src/runtime/drill/drill-json-lines.ts';
import { DrillResponseParser } from '../../src/runtime/drill/response-parser.ts';
import { createJsonLineWriter, createRowWriter } from '../../src/runtime/query/output.ts';
import { RuntimeError } from '../../src/runtime/runtime-error.ts';
import { SqlError, type SqlValue } from '../../src/runtime/query/sql-engine.ts';
import { startTestDrill, type TestDrill } from './helpers/drill.ts';

const test = suite('Drill SqlEngine over REST');

let drill: TestDrill;
let dir: string;
const mock = `wshed_mock_${process.pid}_${Date.now()}`;

test.before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'wshed-drill-engine-'));
  drill = await startTestDrill();
  await drill.putPlugin(mock, { type: 'mock', enabled: true });
});

test.after(async () => {
  await drill?.deletePlugin(mock).catch(() => {});
  await drill?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function failure(run: Promise<unknown>): Promise<Error> {
  try {
    await run;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure');
}

/** A port nothing listens on: one the system just gave out, closed again. */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('scalar types map onto SqlValue exactly: BIGINT past 2^53 as bigint, decimals as digits, dates as text', async () => {
  const engine = await openDrillEngine({ url: drill.url });
  try {
    const result = await engine.stream(
      `SELECT CAST(9007199254740993 AS BIGINT) AS b, CAST(-9223372036854775808 AS BIGINT) AS minb, CAST(5 AS INT) AS i,
         CAST(1.5 AS DOUBLE) AS d, CAST('NaN' AS DOUBLE) AS nan, CAST('12.50' AS DECIMAL(10,2)) AS dec, TRUE AS t,
         DATE '2026-11-01' AS dt, TIMESTAMP '2026-11-01 10:00:00.120' AS ts, TIMESTAMP '2026-11-01 10:00:00' AS ts0,
         TIME '10:11:12.5' AS tm, CAST(NULL AS VARCHAR) AS n, 'a"b\\c' AS s
       FROM (VALUES(1))`,
    );
    assert.equal(
      result.columns.map((c) => `${c.name} ${c.type}`),
      ['b BIGINT', 'minb BIGINT', 'i INTEGER', 'd DOUBLE', 'nan DOUBLE', 'dec DECIMAL(10,2)', 't BOOLEAN', 'dt DATE', 'ts TIMESTAMP', 'ts0 TIMESTAMP', 'tm TIME', 'n VARCHAR', 's VARCHAR'],
    );
    const rows = await result.next();
    assert.is(await result.next(), null);
    const [row] = rows!;
    assert.is(row[0], 9007199254740993n);
    assert.is(row[1], -9223372036854775808n);
    assert.is(row[2], 5n);
    assert.is(row[3], 1.5);
    assert.ok(Number.isNaN(row[4]));
    assert.equal(row.slice(5), [{ kind: 'decimal', text: '12.50' }, true, '2026-11-01', '2026-11-01 10:00:00.12', '2026-11-01 10:00:00', '10:11:12.5', null, 'a"b\\c']);
  } finally {
    await engine.close();
  }
});

test('maps and lists read from JSON files become structs and lists; nested big integers keep every digit', async () => {
  const file = path.join(dir, 'nested.json');
  writeFileSync(
    file,
    '{"a":[1,2,3],"b":{"d":1234567890123456789,"e":[{"x":1.5}],"f":"z"},"s":"x\\ny\u00e9\ud83d\ude00"}\n{"a":[],"b":{"f":"w"},"s":"q"}\n',
  );
  const engine = await openDrillEngine({ url: drill.url });
  try {
    const rows = await engine.rows(`SELECT t.a, t.b, t.s, t.b.d AS d FROM dfs.\`${file}\` AS t`);
    const list = (...items: SqlValue[]): SqlValue => ({ kind: 'list', items });
    const struct = (...entries: [string, SqlValue][]): SqlValue => ({ kind: 'struct', entries });
    assert.equal(rows, [
      [list(1n, 2n, 3n), struct(['d', 1234567890123456789n], ['e', list(struct(['x', 1.5]))], ['f', 'z']), 'x\nyé😀', 1234567890123456789n],
      [list(), struct(['d', null], ['e', list()], ['f', 'w']), 'q', null],
    ]);
  } finally {
    await engine.close();
  }
});

/** What a writer wrote, as one text. */
function collector(): { out: Writable; text: () => string } {
  let text = '';
  const out = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return { out, text: () => text };
}

test('JSON rows rendered from Drill\'s text are exactly what --format json|ndjson writes for the values read', async () => {
  const file = path.join(dir, 'tricky.json');
  writeFileSync(
    file,
    [
      '{"a":[1,-2,12345678901234567],"b":{"d":1234567890123456789,"e":[{"x":1.5e3}],"f":"z\\u0007\\"q"},"s":"x\\ny\u00e9\ud83d\ude00\u007f","k":true,"n":-0.0,"u":"\\u00e9\\/"}',
      '{"a":[],"b":{"f":"w","g":{}},"s":"","k":false,"n":1e21,"u":null}',
      '{"b":{"d":-9007199254740993},"s":"tab\\there"}',
    ].join('\n') + '\n',
  );
  const queries = [
    `SELECT t.a, t.b, t.s, t.b.d AS d, t.k, t.n, t.u, t.b AS b, t.b.g AS g FROM dfs.\`${file}\` AS t`,
    `SELECT CAST(9007199254740993 AS BIGINT) AS b, CAST(-9223372036854775808 AS BIGINT) AS minb, CAST(5 AS INT) AS i, CAST(-0.0 AS DOUBLE) AS z,
       CAST(1.5 AS DOUBLE) AS d, CAST('NaN' AS DOUBLE) AS nan, CAST('Infinity' AS DOUBLE) AS inf, CAST(1e300 AS DOUBLE) AS big, CAST('12.50' AS DECIMAL(10,2)) AS dec,
       CAST('-1234567890123456.78' AS DECIMAL(20,2)) AS longdec, TRUE AS t, DATE '2026-11-01' AS dt, TIMESTAMP '2026-11-01 10:00:00.120' AS ts,
       TIME '10:11:12.5' AS tm, CAST(NULL AS VARCHAR) AS n, 'a"b\\c' AS s, 1 AS \`n\`
     FROM (VALUES(1), (2))`,
  ];
  const engine = await openDrillEngine({ url: drill.url });
  try {
    for (const sql of queries) {
      for (const format of ['ndjson', 'json'] as const) {
        const fromValues = collector();
        const result = await engine.stream(sql);
        const rows = createRowWriter(format, result.columns, fromValues.out);
        for (let batch = await result.next(); batch !== null; batch = await result.next()) await rows.write(batch);
        await rows.end();
        const fromText = collector();
        const lines = await engine.streamJsonLines(sql);
        assert.equal(lines.columns, result.columns);
        const writer = createJsonLineWriter(format, fromText.out);
        for (let batch = await lines.next(); batch !== null; batch = await lines.next()) await writer.write(batch);
        await writer.end();
        assert.ok(fromValues.text().length > 20, fromValues.text());
        assert.is(fromText.text(), fromValues.text(), `${format}: ${sql}`);
      }
    }
    // The same lines whatever the pieces the body comes in.
    const answer = await engine.client.submit(queries[0], {});
    let body = '';
    for await (const piece of answer.body) body += piece;
    const whole = new DrillResponseParser(jsonLineRows).push(body);
    const split = new DrillResponseParser(jsonLineRows);
    const pieces: string[] = [];
    for (const ch of body) pieces.push(...split.push(ch));
    assert.equal(pieces, whole);
    assert.is(whole.length, 3);
  } finally {
    await engine.close();
  }
});

test("a failed query is a SqlError with Drill's message; a syntax error fails inspect", async () => {
  const engine = await openDrillEngine({ url: drill.url });
  try {
    const missing = await failure(engine.rows('SELECT * FROM dfs.`/wshed-no-such-folder`'));
    assert.instance(missing, SqlError);
    assert.match(missing.message, /Object '\/wshed-no-such-folder' not found within 'dfs'/);
    const syntax = await failure(engine.inspect('selec 1'));
    assert.instance(syntax, SqlError);
    assert.match(syntax.message, /Non-query expression/);
    // An unknown table is not a syntax error: inspect counts the statements and leaves it to the run.
    assert.equal(await engine.inspect('SELECT 1 FROM (VALUES(1)); SELECT * FROM nothere -- a comment; not a statement'), { statements: 2, tables: null });
  } finally {
    await engine.close();
  }
});

test('a failure after rows streamed carries the message from the profile, and no partial rows are returned', async () => {
  const folder = path.join(dir, 'late');
  mkdirSync(folder);
  writeFileSync(path.join(folder, '1.json'), '{"a":1}\n{"a":2}\n{"a":3}\n');
  writeFileSync(path.join(folder, '2.json'), '{"a":4}\n{"a":\n');
  const engine = await openDrillEngine({ url: drill.url });
  try {
    const result = await engine.stream(`SELECT a FROM dfs.\`${folder}\``);
    const err = await failure((async () => {
      while ((await result.next()) !== null);
    })());
    assert.instance(err, SqlError);
    assert.match(err.message, /DATA_READ ERROR.*Unexpected end-of-input/);
  } finally {
    await engine.close();
  }
});

test('a refused connection is WS850 naming the URL without its credentials', async () => {
  const port = await closedPort();
  const engine = await openDrillEngine({ url: `http://alice:s3cret@127.0.0.1:${port}/` });
  const err = await failure(engine.rows('SELECT 1'));
  assert.instance(err, RuntimeError);
  const line = (err as RuntimeError).render();
  assert.is((err as RuntimeError).code, 'WS850');
  assert.ok(line.includes(`http://127.0.0.1:${port}`) && line.includes('connection refused'), line);
  assert.not.match(line, /alice|s3cret/);
  const bad = await failure(openDrillEngine({ url: 'ftp://127.0.0.1:8047' }));
  assert.is((bad as RuntimeError).code, 'WS851');
});

test('a server that is not Drill is WS852 with its status', async () => {
  const server = http.createServer((_req, res) => {
    res.writeHead(404, { 'Content-Type': 'text/html' });
    res.end('<h1>Not Found</h1>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const err = await failure((await openDrillEngine({ url })).rows('SELECT 1'));
    assert.is((err as RuntimeError).code, 'WS852');
    assert.match((err as RuntimeError).message, /answered HTTP 404 to a query: <h1>Not Found<\/h1>/);
  } finally {
    server.close();
  }
});

/** Polls `check` until it returns a value, up to `ms`. */
async function until<T>(what: string, check: () => Promise<T | null>, ms = 180_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== null) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('aborting cancels the running query on Drill: the read fails with WS854 and the profile says CANCELED', async () => {
  const controller = new AbortController();
  const engine = await openDrillEngine({ url: drill.url, signal: controller.signal });
  const client = new DrillClient(drill.url);
  // An aggregate over 2e9 generated rows: Drill sends nothing, not even the header, for minutes.
  const sql = `SELECT MAX(id_i) AS n FROM \`${mock}\`.\`employees_2000000000\``;
  const reading = failure(engine.rows(sql));
  const running = await until('the query to run on Drill', async () => (await client.running()).find((q) => q.query.startsWith(sql)) ?? null);
  controller.abort();
  const err = await reading;
  assert.instance(err, RuntimeError);
  assert.is((err as RuntimeError).code, 'WS854');
  assert.ok(err.message.includes(running.queryId), err.message);
  // 3 is QueryState.CANCELED; Drill stops the fragments at their next batch.
  const state = await until('the profile to say CANCELED', async () => {
    const profile = await client.profile(running.queryId);
    return profile && (profile.state === 3 || profile.state === 'CANCELED') ? profile.state : null;
  });
  assert.ok(state === 3 || state === 'CANCELED');
  await engine.close();
});

test('aborting while rows stream (the consumer reading slowly) cancels the query on Drill too', async () => {
  const controller = new AbortController();
  const engine = await openDrillEngine({ url: drill.url, signal: controller.signal });
  const client = new DrillClient(drill.url);
  const result = await engine.stream(`SELECT id_i, name_s50 FROM \`${mock}\`.\`employees_2000000000\``);
  const first = await result.next();
  assert.ok(first !== null && first.length > 0);
  const running = (await client.running()).find((q) => q.query.includes('employees_2000000000') && q.query.includes('name_s50'));
  assert.ok(running, 'the query runs on Drill while its rows are read');
  controller.abort();
  const err = await failure((async () => {
    while ((await result.next()) !== null);
  })());
  assert.is((err as RuntimeError).code, 'WS854');
  const state = await until('the profile to say CANCELED', async () => {
    const profile = await client.profile(running.queryId);
    return profile && (profile.state === 3 || profile.state === 'CANCELED') ? profile.state : null;
  });
  assert.ok(state === 3 || state === 'CANCELED');
  await engine.close();
});

test('a big result is read a bounded piece at a time: the parser holds at most an unfinished row', async () => {
  const sql = `SELECT id_i, name_s50 FROM \`${mock}\`.\`employees_300000\``;
  // Through the parser directly, to see what it holds between pieces.
  const client = new DrillClient(drill.url);
  const answer = await client.submit(sql, {});
  const parser = new DrillResponseParser();
  let bodyChars = 0;
  let parsedRows = 0;
  let longestRow = 0;
  for await (const piece of answer.body) {
    bodyChars += piece.length;
    const rows = parser.push(piece);
    parsedRows += rows.length;
    for (const r of rows) longestRow = Math.max(longestRow, String(r[1]).length + 40);
  }
  assert.is(parser.outcome().queryState, 'COMPLETED');
  assert.is(parsedRows, 300_000);
  assert.ok(bodyChars > 10_000_000, `body of ${bodyChars} chars`);
  // The header (columns and metadata) is the longest unfinished piece it ever holds.
  assert.ok(parser.maxHeldChars < Math.max(longestRow, 400), `held up to ${parser.maxHeldChars} chars`);

  // Through the engine: batches of at most 2,048 rows.
  const engine = await openDrillEngine({ url: drill.url });
  try {
    const result = await engine.stream(sql);
    let rows = 0;
    let biggest = 0;
    for (let batch = await result.next(); batch !== null; batch = await result.next()) {
      rows += batch.length;
      biggest = Math.max(biggest, batch.length);
    }
    assert.is(rows, 300_000);
    assert.ok(biggest <= 2048, `a batch of ${biggest} rows`);
  } finally {
    await engine.close();
  }
});

test('the parser gives the same rows whatever the pieces: one character at a time or the whole body', async () => {
  const client = new DrillClient(drill.url);
  const answer = await client.submit(`SELECT CAST(9007199254740993 AS BIGINT) AS b, 'x,"}]y' AS s, CAST(NULL AS INT) AS n FROM (VALUES(1), (2))`, {});
  let body = '';
  for await (const piece of answer.body) body += piece;
  const whole = new DrillResponseParser();
  const all = whole.push(body);
  const split = new DrillResponseParser();
  const pieces: SqlValue[][] = [];
  for (const ch of body) pieces.push(...split.push(ch));
  assert.equal(pieces, all);
  assert.equal(all, [
    [9007199254740993n, 'x,"}]y', null],
    [9007199254740993n, 'x,"}]y', null],
  ]);
  assert.equal(split.outcome().queryState, 'COMPLETED');
  assert.ok(split.complete);
});

test.run();
