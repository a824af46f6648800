// A query that reads `payload` only as `payload->>'key'` runs on the typed scan, with `payload` an
// object of those keys read from the file (views.ts reducedPayload): it must answer exactly what
// the JSON path answers (json_extract_string, the same function, keeps the full payload), for
// records whose key changes type, is null, missing, repeated, or whose payload is no object.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { Plan } from '../../src/compiler/plan/types.ts';
import { openDuckDbEngine } from '../../src/runtime/query/duckdb-engine.ts';
import type { OutputFormat } from '../../src/runtime/query/output.ts';
import { runQuery } from '../../src/runtime/query/run-query.ts';
import type { SqlEngine } from '../../src/runtime/query/sql-engine.ts';
import { openReservoirStore } from '../../src/runtime/reservoir/open-store.ts';
import { archivedReservoir } from './helpers/archived-reservoir.ts';
import { tempDir, type TempDir } from './helpers/local-kinesis.ts';

let dir: TempDir;
let plan: Plan;
const PAYLOADS = [
  '{"status": "open", "customer": {"region": "eu"}, "n": 1}',
  '{"status":"shipped","customer":"not an object","n":2}',
  '{"status":{"a": 1.0, "b": 12345678901234567890123},"customer":{"region":5},"n":3}',
  '{"status":7.50,"customer":{"region":"us"},"n":4}',
  '{"customer":{"region":"us"},"n":5}',
  '{"status":"a","status":"b","customer":{"region":"x"},"n":6}',
  '[1, 2]',
  '"text"',
  '{"status":"\\u001B\\u00e9 \\"q\\"","customer":{"region":"us"},"n":9,"Other":true}',
  '{"status":null,"customer":null,"n":10,"rare":[1,{"x":null}]}',
  '{"status":1E23,"customer":{"region":"eu"},"n":11,"rare":-0.0}',
  '{"status":"tab\\tand \\\\ slash","customer":{"region":"eu"},"n":12,"rare":""}',
];

test.before(async () => {
  ({ dir, plan } = await archivedReservoir('wshed-payload-keys-', PAYLOADS));
});
test.after(async () => {
  await dir.remove();
});

/**
 * The query's output and columns, whether the views gave `payload` as the STRUCT of the extracted
 * keys, and whether the SQL DuckDB ran had each `->>` made a field access (payload-extraction.ts).
 */
async function render(sql: string, format: OutputFormat = 'ndjson'): Promise<{ text: string; reduced: boolean; rewritten: boolean; columns: string[] }> {
  let text = '';
  let reduced = false;
  let rewritten = false;
  const out = new Writable({ write: (chunk: Buffer, _e, done) => ((text += chunk.toString('utf8')), done()) });
  const runtime = {
    openSqlEngine: async (): Promise<SqlEngine> => {
      const engine = await openDuckDbEngine({ threads: 2, memoryLimit: '256MB' });
      // The views' bodies: created (exec), or placed in the query (view-inlining.ts).
      const viewed = (statement: string) => (reduced ||= /struct_pack\("[A-Za-z_]+" := CASE WHEN starts_with\(struct_extract\(v\."payload"/.test(statement));
      const exec = engine.exec.bind(engine);
      engine.exec = async (statement: string) => (viewed(statement), exec(statement));
      // The statement the answer comes from: what stream or streamJsonLines is given.
      const ran = (statement: string) => (viewed(statement), (rewritten ||= /struct_extract\((\w+\.)?payload, '/.test(statement)));
      const stream = engine.stream.bind(engine);
      engine.stream = (statement: string) => (ran(statement), stream(statement));
      const lines = engine.streamJsonLines?.bind(engine);
      if (lines) engine.streamJsonLines = (statement: string) => (ran(statement), lines(statement));
      return engine;
    },
    store: (reservoir: string, location: Parameters<typeof openReservoirStore>[1]) => openReservoirStore(reservoir, location, dir.path),
  };
  const { columns } = await runQuery({ plan, cwd: dir.path, streams: null, sql, format, out, runtime } as Parameters<typeof runQuery>[0]);
  return { text, reduced, rewritten, columns };
}

/** `keyed` (reading `payload->>'key'`) answers as `full` does on the full payload; `rewritten`: whether its `->>` became field accesses. */
async function same(keyed: string, full: string, rewritten = true): Promise<string> {
  for (const format of ['ndjson', 'table', 'csv'] as const) {
    const a = await render(keyed, format);
    const b = await render(full, format);
    assert.ok(a.reduced, `payload reduced to its keys for: ${keyed}`);
    assert.is(a.rewritten, rewritten, `->> rewritten (${rewritten}) for: ${keyed}`);
    assert.not.ok(b.reduced, `the full payload for: ${full}`);
    assert.is(a.text, b.text);
  }
  return (await render(keyed)).text;
}

test("payload->>'key' answers as on the full payload: strings, numbers, objects, null, missing, repeated keys, arrays and text as payloads", async () => {
  const text = await same(
    `SELECT _sequence_number AS seq, payload->>'status' AS status, payload->>'rare' AS rare, payload->>'Other' AS other FROM r ORDER BY seq`,
    `SELECT _sequence_number AS seq, json_extract_string(payload, 'status') AS status, json_extract_string(payload, 'rare') AS rare, json_extract_string(payload, 'Other') AS other FROM r ORDER BY seq`,
  );
  assert.match(text, /"status":"open"/);
  assert.match(text, /"status":"7.5"/);
  assert.match(text, /"status":"a"/);
});

test("the bench's shape: a group-by over a typed field filtered on payload->>'key', on the archived view too", async () => {
  await same(
    `SELECT customer.region AS region, count(*) AS orders FROM r WHERE payload->>'status' <> 'cancelled' GROUP BY region ORDER BY region NULLS LAST`,
    `SELECT customer.region AS region, count(*) AS orders FROM r WHERE json_extract_string(payload, 'status') <> 'cancelled' GROUP BY region ORDER BY region NULLS LAST`,
  );
  await same(
    `SELECT n, o.payload->>'status' AS s FROM r_archived AS o WHERE o.payload->>'customer' IS NOT NULL ORDER BY n`,
    `SELECT n, json_extract_string(o.payload, 'status') AS s FROM r_archived AS o WHERE json_extract_string(o.payload, 'customer') IS NOT NULL ORDER BY n`,
  );
});

test('the full payload whenever the query may see more of it: the payload itself, another path, a key also named as a column, a key that is a path', async () => {
  for (const sql of [
    `SELECT payload, payload->>'status' AS s FROM r`,
    `SELECT payload->'status' AS s FROM r`,
    `SELECT status, payload->>'status' AS s FROM r`,
    `SELECT payload->>'$.customer.region' AS s FROM r`,
    `SELECT payload->>'status' AS s FROM r NATURAL JOIN r_archived`,
  ]) {
    assert.not.ok((await render(sql)).reduced, sql);
  }
});

test("a rewritten query keeps DuckDB's names for its unnamed columns, and the exact integers it holds", async () => {
  const keyed = await render(`SELECT payload->>'status', upper(payload ->>   'status'), count(*), 12345678901234567890123 AS big, 9007199254740993 AS odd FROM r GROUP BY ALL ORDER BY 1 NULLS LAST`);
  assert.ok(keyed.rewritten);
  assert.equal(keyed.columns, ["(payload ->> 'status')", "upper((payload ->> 'status'))", 'count_star()', 'big', 'odd']);
  assert.match(keyed.text, /"big":"12345678901234567890123","odd":"9007199254740993"/);
  const full = await render(
    `SELECT json_extract_string(payload, 'status') AS a, upper(json_extract_string(payload, 'status')) AS b, count(*) AS c, 12345678901234567890123 AS big, 9007199254740993 AS odd FROM r GROUP BY ALL ORDER BY 1 NULLS LAST`,
  );
  const values = (text: string) => text.split('\n').map((line) => (line === '' ? line : JSON.stringify(Object.values(JSON.parse(line) as object))));
  assert.equal(values(keyed.text), values(full.text));
});

test('a query where another `payload` could be meant runs as written: a CTE, an inner subquery, a view with the full payload, a table function, two keys differing in case', async () => {
  const cases: [string, string][] = [
    [
      `WITH x AS (SELECT '{"status":"cte"}'::JSON AS payload) SELECT x.payload->>'status' AS s, r.payload->>'status' AS t FROM x, r ORDER BY t NULLS LAST`,
      `WITH x AS (SELECT '{"status":"cte"}'::JSON AS payload) SELECT json_extract_string(x.payload, 'status') AS s, json_extract_string(r.payload, 'status') AS t FROM x, r ORDER BY t NULLS LAST`,
    ],
    [
      `SELECT (SELECT payload->>'status' FROM (SELECT '{"status":"inner"}'::JSON AS payload)) AS s, payload->>'n' AS num FROM r ORDER BY num`,
      `SELECT (SELECT json_extract_string(payload, 'status') FROM (SELECT '{"status":"inner"}'::JSON AS payload)) AS s, json_extract_string(payload, 'n') AS num FROM r ORDER BY num`,
    ],
    [
      // The live view keeps the full payload (JSON).
      `SELECT r.payload->>'status' AS s, l.payload->>'status' AS t FROM r, r_live AS l`,
      `SELECT json_extract_string(r.payload, 'status') AS s, json_extract_string(l.payload, 'status') AS t FROM r, r_live AS l`,
    ],
  ];
  // A table function's `payload`, with no word of it in the query: read_json types this one DOUBLE.
  const other = await tempDir('wshed-extract-other-');
  try {
    await fs.writeFile(path.join(other.path, 'x.json'), '{"payload":{"status":7.50}}\n');
    cases.push([
      `SELECT t.payload->>'status' AS s, r.payload->>'n' AS num FROM r, read_json('${other.path}/x.json') AS t ORDER BY num`,
      `SELECT json_extract_string(t.payload, 'status') AS s, json_extract_string(r.payload, 'n') AS num FROM r, read_json('${other.path}/x.json') AS t ORDER BY num`,
    ]);
    for (const [keyed, full] of cases) {
      const a = await render(keyed);
      assert.ok(a.reduced, keyed);
      assert.not.ok(a.rewritten, keyed);
      assert.is(a.text, (await render(full)).text, keyed);
    }
    assert.match((await render(cases[0][0])).text, /"s":"cte"/);
    assert.match((await render(cases[1][0])).text, /"s":"inner"/);
    assert.match((await render(cases[3][0])).text, /"s":"7.5"/);
  } finally {
    await other.remove();
  }
  const cased = await render(`SELECT payload->>'status' AS a, payload->>'Status' AS b FROM r`);
  assert.not.ok(cased.reduced);
  assert.is(cased.text, (await render(`SELECT json_extract_string(payload, 'status') AS a, json_extract_string(payload, 'Status') AS b FROM r`)).text);
});

test("an error in a rewritten query is reported on the query as written, at its position", async () => {
  const sql = `SELECT payload->>'status' AS s, nosuch FROM r`;
  const err = await render(sql).then(
    () => null,
    (e: unknown) => e as Error,
  );
  assert.ok(err, 'the query fails');
  assert.match(err.message, /nosuch/);
  assert.match(err.message, /LINE 1: SELECT payload->>'status' AS s, nosuch FROM r\n {40}\^/);
  assert.not.match(err.message, /struct_extract/);
});

test.run();
