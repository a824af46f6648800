// `--format ndjson|json` rows rendered whole by DuckDB (duckdb-json-lines.ts) must be exactly the
// text the value-by-value path gives (output.ts jsonText): every query below runs both ways, on
// the real DuckDB, and the outputs are compared byte for byte.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { compile } from '../../src/compiler/compile.ts';
import type { ArchiveStep, Plan } from '../../src/compiler/plan/types.ts';
import { partitionPath } from '../../src/compiler/record-layout.ts';
import { openDuckDbEngine } from '../../src/runtime/query/duckdb-engine.ts';
import type { OutputFormat } from '../../src/runtime/query/output.ts';
import { runQuery } from '../../src/runtime/query/run-query.ts';
import type { SqlEngine } from '../../src/runtime/query/sql-engine.ts';
import { dataFilePath } from '../../src/runtime/reservoir/file-names.ts';
import { openReservoirStore } from '../../src/runtime/reservoir/open-store.ts';
import { reservoirLine } from '../../src/runtime/reservoir/record-encoding.ts';
import { tempDir, type TempDir } from './helpers/local-kinesis.ts';

let dir: TempDir;
let plan: Plan;
test.before(async () => {
  dir = await tempDir('wshed-json-lines-');
  const config = { target: 'local' as const, kinesisPort: 4567, home: '.wshed', duckdb: { threads: 2, memoryLimit: '256MB' }, replay: { shardBudgetFraction: 0.8, maxRetries: 5 } };
  const text = `stream s { shards 1 }\nreservoir r { from stream s at "${dir.path}/r" }\n`;
  plan = compile({ path: 'lines.wshed', text }, { config, now: new Date() }).plan!;
});
test.after(async () => {
  await dir.remove();
});

/** The query's output through runQuery; `valueByValue` hides the engine's whole-row rendering. */
async function render(sql: string, format: OutputFormat, valueByValue: boolean): Promise<{ text: string; wholeRows: boolean }> {
  let text = '';
  let wholeRows = false;
  const out = new Writable({ write: (chunk: Buffer, _e, done) => ((text += chunk.toString('utf8')), done()) });
  const runtime = {
    openSqlEngine: async (): Promise<SqlEngine> => {
      const engine = bindAll(await openDuckDbEngine({ threads: 2, memoryLimit: '256MB' }));
      const streamJsonLines = engine.streamJsonLines!;
      return {
        ...engine,
        streamJsonLines: valueByValue
          ? undefined
          : async (statement: string) => {
              const lines = await streamJsonLines(statement);
              wholeRows ||= lines !== null;
              return lines;
            },
      };
    },
    store: (reservoir: string, location: Parameters<typeof openReservoirStore>[1]) => openReservoirStore(reservoir, location, dir.path),
  };
  await runQuery({ plan, cwd: dir.path, streams: null, sql, format, out, runtime } as Parameters<typeof runQuery>[0]);
  return { text, wholeRows };
}

/** The engine's methods as own properties bound to it, so one can be replaced. */
function bindAll(engine: SqlEngine): SqlEngine {
  const proto = Object.getPrototypeOf(engine) as Record<string, unknown>;
  const bound: Record<string, unknown> = {};
  for (const name of Object.getOwnPropertyNames(proto)) {
    const f = (engine as unknown as Record<string, unknown>)[name];
    if (name !== 'constructor' && typeof f === 'function') bound[name] = (f as (...a: unknown[]) => unknown).bind(engine);
  }
  return bound as unknown as SqlEngine;
}

/** Both paths, both JSON formats, the same text; and DuckDB rendered the rows. */
async function same(sql: string): Promise<string> {
  const lines = await render(sql, 'ndjson', false);
  assert.ok(lines.wholeRows, `DuckDB renders the rows of: ${sql.slice(0, 160)}`);
  assert.is(lines.text, (await render(sql, 'ndjson', true)).text);
  assert.is((await render(sql, 'json', false)).text, (await render(sql, 'json', true)).text);
  return lines.text;
}

/** Doubles whose text DuckDB and JavaScript write differently, the edges of the ranges where they agree, and random bit patterns. */
function doubles(): number[] {
  const edges = [1e21, 1e-7, -0, 0.1 + 0.2, 5e-324, 100, 1.5, 2 ** 53, 2 ** 53 + 2, 1e15, 1e15 - 0.5, 1e16, 1e-3, 0.000999, 1e-6, 1.7976931348623157e308, 2.2250738585072014e-308, 123456789012345680000, 1 / 3];
  const values = edges.flatMap((v) => [v, -v]);
  // A fixed sequence (a linear congruential generator), so a failure repeats.
  let seed = 42;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  const bits = new DataView(new ArrayBuffer(8));
  while (values.length < 3000) {
    bits.setUint32(0, next() * 2 + (next() & 1));
    bits.setUint32(4, next() * 2 + (next() & 1));
    const v = bits.getFloat64(0);
    values.push(...[v, v * 10 ** ((next() % 40) - 20), Math.round(next() / 3) / 100].filter(Number.isFinite));
  }
  return values;
}

test('doubles: the text JavaScript writes (1e+21, 1e-7, -0 as 0, 100 not 100.0), at top level, in structs and in lists, NaN and infinities as strings', async () => {
  const list = doubles().map((v) => (Object.is(v, -0) ? '-0.0' : String(v))).join(', ');
  const sql = `SELECT x, {'d': x} AS s, [x, NULL] AS l, TRY_CAST(x AS FLOAT) AS f FROM (SELECT unnest([${list}, 'nan', 'inf', '-inf']::DOUBLE[]) AS x) ORDER BY x`;
  const text = await same(sql);
  assert.match(text, /{"x":1e\+21,/);
  assert.match(text, /{"x":1e-7,/);
  assert.match(text, /{"x":100,"s":{"d":100}/);
  assert.match(text, /{"x":"NaN",/);
});

test('strings: every control character, DEL, C1, line separators, quotes, backslashes and escapes spelled as text, at top level and nested', async () => {
  const chars = Array.from({ length: 32 }, (_, i) => `chr(${i})`).join(', ');
  const sql = `
    SELECT s, {'s': s, 'k': 1} AS st, [s] AS l FROM (
      SELECT unnest([${chars}, chr(127), chr(155), chr(8232), chr(8233), chr(8238), '"', '\\', '\\u001B', 'a\\\\u001Bb', '/', '😀é', '', NULL]) AS s
      UNION ALL SELECT 'x' || chr(27) || '\\u001B' || chr(31)
    ) ORDER BY s NULLS LAST`;
  const text = await same(sql);
  assert.match(text, /"\\u001b"/, 'control characters as JSON.stringify writes them');
  assert.match(text, /"\\\\u001B"/, 'an escape written as text stays as it is');
});

test('integers: past 2^53 as strings at top level and nested, 16 digits inside strings and small numbers as they are', async () => {
  const sql = `
    SELECT i, h, u, {'i': i, 'id': '1234567890123456789'} AS st, [i, 1] AS l FROM (VALUES
      (9007199254740991::BIGINT, 9007199254740992::HUGEINT, 18446744073709551615::UBIGINT),
      (-9007199254740991, -9007199254740992, 0),
      (-9223372036854775808, 170141183460469231731687303715884105727, 9007199254740991),
      (0, NULL, NULL), (NULL, 1, 1)
    ) AS t(i, h, u) ORDER BY i NULLS LAST`;
  const text = await same(sql);
  assert.match(text, /"h":"9007199254740992"/);
  assert.match(text, /"st":{"i":9007199254740991,"id":"1234567890123456789"}/);
});

test('integers nested in lists and structs: each one past 2^53 found by value (lists of structs, lists of lists, NULLs, empty lists), 16 digits below it as they are', async () => {
  const sql = `
    SELECT k, items, {'a': {'b': [n, NULL]}, 's': 'x'} AS deep, [[n], [], NULL] AS lists, {'h': n::HUGEINT, 'u': abs(n)::UBIGINT} AS wide FROM (VALUES
      (1, [{'sku': 'a', 'qty': 9007199254740991::BIGINT}, {'sku': 'b', 'qty': 1}], 9007199254740991::BIGINT),
      (2, [{'sku': 'a', 'qty': 1}, {'sku': 'b', 'qty': 9007199254740992}], -9007199254740991),
      (3, [{'sku': 'a', 'qty': -9007199254740992}, NULL, {'sku': NULL, 'qty': NULL}], 1000000000000000),
      (4, [], 9007199254740992),
      (5, NULL, -9007199254740992),
      (6, [{'sku': '12345678901234567890', 'qty': 1000000000000000}], NULL),
      (7, [NULL], 9223372036854775807)
    ) AS t(k, items, n) ORDER BY k`;
  const text = await same(sql);
  assert.match(text, /"items":\[{"sku":"a","qty":9007199254740991},{"sku":"b","qty":1}\]/);
  assert.match(text, /{"sku":"b","qty":"9007199254740992"}/);
  assert.match(text, /"deep":{"a":{"b":\["9007199254740992",null\]},"s":"x"}/);
  assert.match(text, /"lists":\[\[1000000000000000\],\[\],null\]/);
  assert.match(text, /"wide":{"h":"9223372036854775807","u":"9223372036854775807"}/);
});

test('timestamps: from year 1 on as DuckDB writes them, before it (year 0, BC) as node-api does, and the infinities', async () => {
  const sql = `
    SELECT ts, {'t': ts} AS st FROM (SELECT unnest([TIMESTAMP '2026-01-02 03:04:05.678', TIMESTAMP '0001-01-01', TIMESTAMP '0000-06-01 12:00:00.5',
      TIMESTAMP '-0100-01-01', TIMESTAMP '1969-12-31 23:59:59.999999', TIMESTAMP '294247-01-10 04:00:54.775806', 'infinity', '-infinity', NULL]) AS ts)
    ORDER BY ts NULLS LAST`;
  const text = await same(sql);
  assert.match(text, /"ts":"0000-06-01 12:00:00.5"/);
});

test('JSON values as written (spacing, upper-case escapes, line breaks as spaces), booleans and NULLs', async () => {
  const sql = `
    SELECT j, b, {'j': j, 'b': b} AS st FROM (VALUES
      ('{"k":  [1.0, 2], "e": "\\u001B"}'::JSON, true), ('{"a":' || chr(10) || '1}', false), (NULL, NULL), ('null'::JSON, true),
      ('[' || chr(13) || chr(10) || '2,' || chr(13) || '3]', false), ('"plain"', true)
    ) AS t(j, b)`;
  const text = await same(sql);
  assert.match(text, /"j":\[  2, 3\]/);
  assert.match(text, /"j":{"k": {2}\[1\.0, 2\], "e": "\\u001B"}/);
  assert.match(text, /"j":{"a": 1}/);
});

test('the views of a reservoir: SELECT * and payload fields over records whose keys change type, with odd numbers and text', async () => {
  const archive = plan.steps.find((st): st is ArchiveStep => st.kind === 'archive')!;
  const payloads = [
    '{"n": 1e21, "s": "a\\u001Bb", "big": 9007199254740993, "nested": {"d": 100.0, "t": ["x", "\\u001b"]}, "mixed": 1}',
    '{"n":0.1,"s":"\\u0000","big":-1,"nested":{"d":-0.0,"t":[]},"mixed":"one"}',
    '{"n":-1e-7,"s":null,"big":12345678901234567890123,"nested":null,"mixed":{"a":[1,2]}}',
    '{"n":3,"s":"é😀\u2028","big":0,"nested":{"d":5e-324,"t":null},"mixed":null, "extra": true}',
    '[1, 2]',
    '"just text"',
  ];
  const arrival = '2026-01-02T03:04:05.678Z';
  const lines = payloads.map((payload, i) =>
    reservoirLine({ stream: 's', shardId: 'shardId-000000000000', sequenceNumber: `4960000000000000000000000000000000000000000000000000000${i}`, subSequenceNumber: 0, partitionKey: `k${i}`, arrivalTime: arrival }, payload),
  );
  const range = { shardId: 'shardId-000000000000', firstSequenceNumber: '49600000000000000000000000000000000000000000000000000000', lastSequenceNumber: `4960000000000000000000000000000000000000000000000000000${payloads.length - 1}` };
  const file = path.join(dir.path, 'r', dataFilePath(partitionPath(archive.partition, new Date(arrival)), range, 'json'));
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, lines.join(''));
  const all = await same('SELECT * FROM r ORDER BY _sequence_number');
  assert.is(all.trimEnd().split('\n').length, payloads.length);
  assert.match(all, /"n":1e\+21,/);
  await same('SELECT n, nested, payload FROM r_archived ORDER BY _sequence_number');
  await same(`SELECT payload->>'s' AS s, payload->'nested' AS j, mixed FROM r ORDER BY _sequence_number`);
  assert.is(await same(`SELECT 1 AS a, 'x' AS "A b", NULL::INT AS n WHERE false`), '');
});

test.run();
