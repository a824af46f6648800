import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Writable } from 'node:stream';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { compile } from '../../src/compiler/compile.ts';
import type { Plan } from '../../src/compiler/plan/types.ts';
import type { OutputFormat } from '../../src/runtime/query/output.ts';
import { openDuckDbEngine } from '../../src/runtime/query/duckdb-engine.ts';
import { runQuery } from '../../src/runtime/query/run-query.ts';
import { openReservoirStore } from '../../src/runtime/reservoir/open-store.ts';
import { tempDir, type TempDir } from './helpers/local-kinesis.ts';

let dir: TempDir;
let plan: Plan;
test.before(async () => {
  dir = await tempDir('wshed-query-out-');
  const config = { target: 'local' as const, kinesisPort: 4567, home: '.wshed', duckdb: { threads: 2, memoryLimit: '256MB' }, replay: { shardBudgetFraction: 0.8, maxRetries: 5 } };
  const text = `stream s { shards 1 }\nreservoir r { from stream s at "${dir.path}/r" }\n`;
  plan = compile({ path: 'out.wshed', text }, { config, now: new Date() }).plan!;
});
test.after(async () => {
  await dir.remove();
});

/** A full garbage collection on demand, to measure what stays alive rather than garbage not yet collected. */
v8.setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;
const liveHeap = () => {
  collectGarbage();
  return process.memoryUsage().heapUsed;
};

async function render(sql: string, format: OutputFormat): Promise<string> {
  let text = '';
  const out = new Writable({ write: (chunk: Buffer, _e, done) => ((text += chunk.toString('utf8')), done()) });
  await runQuery({ plan, cwd: dir.path, streams: null, sql, format, out });
  return text;
}

// Quotes, commas, a line break and non-ASCII text; a decimal, a timestamp, a struct, a list, JSON,
// an integer past 2^53, NULLs and an empty string.
const SMALL = `
  SELECT * FROM (VALUES
    (1, 'plain', 2.50::DECIMAL(5, 2), TIMESTAMP '2026-01-02 03:04:05.678', {'a': 1, 'b': [1, 2]}, '{"k":[1,null]}'::JSON, 9223372036854775807::BIGINT),
    (2, 'a,b "q" ' || chr(10) || 'é', NULL, NULL, NULL, NULL, -3),
    (3, '', 0.10, NULL, NULL, 'null'::JSON, 0)
  ) AS t(n, s, d, ts, st, j, big) ORDER BY n`;

test('table: columns sized from the first page, numbers right-aligned, NULL shown, a row count', async () => {
  assert.is(
    await render(SMALL, 'table'),
    [
      ' n | s           |    d | ts                      | st                | j              |                 big',
      '---+-------------+------+-------------------------+-------------------+----------------+---------------------',
      ' 1 | plain       | 2.50 | 2026-01-02 03:04:05.678 | {"a":1,"b":[1,2]} | {"k":[1,null]} | 9223372036854775807',
      ' 2 | a,b "q" \\né | NULL | NULL                    | NULL              | NULL           |                  -3',
      ' 3 |             | 0.10 | NULL                    | NULL              | null           |                   0',
      '(3 rows)',
      '',
    ].join('\n'),
  );
  assert.is(await render('SELECT 1 AS one WHERE false', 'table'), ' one\n-----\n(0 rows)\n');
});

test('json: one array streamed, an object per line, JSON escaping, big integers as strings', async () => {
  assert.is(
    await render(SMALL, 'json'),
    [
      '[',
      '{"n":1,"s":"plain","d":2.50,"ts":"2026-01-02 03:04:05.678","st":{"a":1,"b":[1,2]},"j":{"k":[1,null]},"big":"9223372036854775807"},',
      '{"n":2,"s":"a,b \\"q\\" \\né","d":null,"ts":null,"st":null,"j":null,"big":-3},',
      '{"n":3,"s":"","d":0.10,"ts":null,"st":null,"j":null,"big":0}',
      ']',
      '',
    ].join('\n'),
  );
  assert.equal(JSON.parse(await render(SMALL, 'json'))[1].s, 'a,b "q" \né');
  assert.is(await render('SELECT 1 AS one WHERE false', 'json'), '[]\n');
  assert.is(await render('SELECT 1 AS a, 2 AS a', 'json'), '[\n{"a":1,"a_2":2}\n]\n');
});

test('ndjson: one object per line', async () => {
  assert.is(
    await render(SMALL, 'ndjson'),
    [
      '{"n":1,"s":"plain","d":2.50,"ts":"2026-01-02 03:04:05.678","st":{"a":1,"b":[1,2]},"j":{"k":[1,null]},"big":"9223372036854775807"}',
      '{"n":2,"s":"a,b \\"q\\" \\né","d":null,"ts":null,"st":null,"j":null,"big":-3}',
      '{"n":3,"s":"","d":0.10,"ts":null,"st":null,"j":null,"big":0}',
      '',
    ].join('\n'),
  );
  assert.is(await render('SELECT 1 AS one WHERE false', 'ndjson'), '');
});

test('csv: RFC 4180 quoting, NULL as an empty field and the empty string as ""', async () => {
  assert.is(
    await render(SMALL, 'csv'),
    [
      'n,s,d,ts,st,j,big',
      '1,plain,2.50,2026-01-02 03:04:05.678,"{""a"":1,""b"":[1,2]}","{""k"":[1,null]}",9223372036854775807',
      '2,"a,b ""q"" \né",,,,,-3',
      '3,"",0.10,,,null,0',
      '',
    ].join('\n'),
  );
  assert.is(await render('SELECT 1 AS "a,b" WHERE false', 'csv'), '"a,b"\n');
});

test('table: a cut cell never splits a character in two, and control characters are escaped', async () => {
  // 'ab' then emoji (two UTF-16 units each): a cut at 59 units would fall inside one.
  const out = await render(`SELECT 'ab' || repeat('😀', 40) AS e, chr(27) || '[2J' || chr(155) AS c`, 'table');
  assert.not.match(out, /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/, 'no half character');
  assert.match(out, /ab(😀){28}…/);
  assert.match(out, /\\x1b\[2J\\x9b/);
});

// Struct and list columns are rendered as JSON text by DuckDB where that text is exact (see
// duckdb-nested-text.ts); it must be the text the value-by-value path gives.
const NESTED = `
  SELECT i, {'big': 9007199254740993::BIGINT, 'small': -9007199254740991::BIGINT, 'ok': i > 1, 'n': NULL::VARCHAR,
             's': chr(27) || '"q\\' || chr(127) || 'é', 'k"ey': [i, NULL]} AS st,
         [{'sku': 'a', 'qty': i}, NULL] AS items, []::INT[] AS none, NULL::INT[] AS missing, {'x': 100.0::DOUBLE} AS dbl
  FROM range(3) AS t(i) ORDER BY i DESC`;

test('struct and list columns: the same JSON text in every format (integers past 2^53 as strings, escapes, NULLs, empty lists)', async () => {
  const rows = [2, 1, 0].map(
    (i) =>
      `{"i":${i},"st":{"big":"9007199254740993","small":-9007199254740991,"ok":${i > 1},"n":null,"s":"\\u001b\\"q\\\\\\u007fé","k\\"ey":[${i},null]},` +
      `"items":[{"sku":"a","qty":${i}},null],"none":[],"missing":null,"dbl":{"x":100}}`,
  );
  assert.is(await render(NESTED, 'ndjson'), rows.map((r) => r + '\n').join(''));
  const csv = (await render(NESTED, 'csv')).split('\n');
  assert.is(csv[1], '2,"{""big"":""9007199254740993"",""small"":-9007199254740991,""ok"":true,""n"":null,""s"":""\\u001b\\""q\\\\\\x7fé"",""k\\""ey"":[2,null]}","[{""sku"":""a"",""qty"":2},null]",[],,"{""x"":100}"');
});

test('a query of a reservoir with a small LIMIT of its own reads nested values one by one, with the same text in every format', async () => {
  // `r` named, so its parse is read for the LIMIT (run-query.ts); the view holds no record.
  const nested = NESTED.replace('FROM range(3) AS t(i)', 'FROM range(3) AS t(i), (SELECT count(*) AS none_read FROM r) AS c');
  const hints: (number | undefined)[] = [];
  const runtime = {
    openSqlEngine: async () => {
      const engine = await openDuckDbEngine({ threads: 2, memoryLimit: '256MB' });
      const stream = engine.stream.bind(engine);
      engine.stream = (sql, options) => (hints.push(options?.rowsAtMost), stream(sql, options));
      return engine;
    },
    store: (reservoir: string, location: Parameters<typeof openReservoirStore>[1]) => openReservoirStore(reservoir, location, dir.path),
  };
  const text = async (sql: string, format: OutputFormat) => {
    let out = '';
    const sink = new Writable({ write: (chunk: Buffer, _e, done) => ((out += chunk.toString('utf8')), done()) });
    await runQuery({ plan, cwd: dir.path, streams: null, sql, format, out: sink, runtime });
    return out;
  };
  for (const format of ['table', 'csv', 'json', 'ndjson'] as const) {
    hints.length = 0;
    const few = await text(`${nested} LIMIT 3`, format);
    assert.equal(hints, [3], `the engine is told of the LIMIT (${format})`);
    // The same rows with no LIMIT of the statement's own: rendered by DuckDB.
    const many = await text(`SELECT * FROM (${nested} LIMIT 3) ORDER BY i DESC`, format);
    assert.is(few, many, format);
  }
  assert.match(await text(`${nested} LIMIT 3`, 'ndjson'), /"st":\{"big":"9007199254740993","small":-9007199254740991,/);
});

test('struct and list columns: 16 digits and more in strings and keys stay as written, only integers past 2^53 become strings', async () => {
  const sql = `SELECT {'id': '12345678901234567890', '1234567890123456789': 1, 'n': 12345678901234567::BIGINT, 'm': (-9223372036854775808)::BIGINT,
    'h': 170141183460469231731687303715884105727::HUGEINT, 'e': 'a\\"9999999999999999', 'ok': 9007199254740991::BIGINT} AS st,
    [1234567890123456789::BIGINT, -9007199254740991, 5] AS l`;
  const st = '{""id"":""12345678901234567890"",""1234567890123456789"":1,""n"":""12345678901234567"",""m"":""-9223372036854775808"",' +
    '""h"":""170141183460469231731687303715884105727"",""e"":""a\\\\\\""9999999999999999"",""ok"":9007199254740991}';
  assert.is(await render(sql, 'csv'), `st,l\n"${st}","[""1234567890123456789"",-9007199254740991,5]"\n`);
});

test('text columns packed into one value per row come out whole: astral characters, NUL, empty, NULL, JSON as written', async () => {
  const sql = `SELECT 'a😀é' || chr(0) || 'z' AS s, NULL::VARCHAR AS n, '' AS e, '{"k": 1}'::JSON AS j, '😀😀' AS t, [1] AS l, 5 AS five`;
  assert.is(await render(sql, 'ndjson'), '{"s":"a😀é\\u0000z","n":null,"e":"","j":{"k": 1},"t":"😀😀","l":[1],"five":5}\n');
  assert.is(await render(sql, 'csv'), 's,n,e,j,t,l,five\na😀é\\x00z,,"","{""k"": 1}",😀😀,[1],5\n');
});

test('struct and list columns keep the order the query asks for, over many chunks', async () => {
  const text = await render(`SELECT i, [i] AS l, {'i': i} AS s FROM range(10000) AS t(i) ORDER BY i DESC`, 'ndjson');
  const lines = text.trimEnd().split('\n');
  assert.is(lines.length, 10000);
  assert.ok(lines.every((line, k) => line === `{"i":${9999 - k},"l":[${9999 - k}],"s":{"i":${9999 - k}}}`), 'rows in descending order, each whole');
});

test('a large result streams: rows reach the output while the query runs, and a stalled reader stalls it', async () => {
  const rows = 200_000;
  const sql = `SELECT range AS n, repeat('x', 500) AS pad FROM range(${rows})`;
  // A reader that takes nothing until released: the writer must wait for it, not buffer rows.
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let written = 0;
  let writes = 0;
  let heapPeak = 0;
  const heapBefore = liveHeap();
  const out = new Writable({
    highWaterMark: 64 * 1024,
    write(chunk: Buffer, _e, done) {
      written += chunk.length;
      writes++;
      if (writes % 10 === 0) heapPeak = Math.max(heapPeak, liveHeap());
      if (writes === 1) released.then(() => done());
      else setImmediate(done);
    },
  });
  let finished = false;
  const run = runQuery({ plan, cwd: dir.path, streams: null, sql, format: 'ndjson', out }).finally(() => (finished = true));
  // The writer parks on 'drain' once the reader's buffer is full (or, ignoring it, runs to the end):
  // wait for either, never for a fixed time.
  await until('the query to wait for the reader or finish', () => finished || out.listenerCount('drain') > 0);
  assert.ok(!finished && writes === 1, 'the query goes on only as the reader takes rows');
  const stalledAt = out.writableLength;
  // At most two chunks of rows (DuckDB hands over 2,048 at a time) of the 105 MB.
  assert.ok(stalledAt > 0 && stalledAt < 4_000_000, `bytes handed over while stalled: ${stalledAt}`);
  release();
  const result = await run;
  assert.is(result.rows, rows);
  assert.ok(writes > 50, `writes ${writes}`);
  // 200k rows of ~525 bytes: about 105 MB of output, which a materialised result would hold at once.
  assert.ok(written > 100_000_000, `bytes ${written}`);
  assert.ok(heapPeak - heapBefore < 20_000_000, `live heap grew by ${((heapPeak - heapBefore) / 1e6).toFixed(1)} MB`);
});

/** Resolves once `condition` holds; fails after a generous bound instead of guessing a time. */
async function until(what: string, condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test.run();
