import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openDuckDbEngine } from '../../src/runtime/query/duckdb-engine.ts';
import { duckdbType, inferPayloadStructure, payloadType, transformStructure, MAX_STRUCT_KEYS } from '../../src/runtime/query/payload-structure.ts';
import { needsRawPayload } from '../../src/runtime/query/payload-usage.ts';
import type { SqlEngine } from '../../src/runtime/query/sql-engine.ts';

const RESERVED = ['_stream', '_shard_id', 'payload'];
const typesOf = (payloads: unknown[]) => {
  const s = inferPayloadStructure(payloads, RESERVED);
  return Object.fromEntries(s.fields.map((f) => [f.name, duckdbType(f.type)]));
};

test('field types follow DuckDB: integers BIGINT, a fraction DOUBLE, mixed kinds JSON, objects STRUCT, arrays lists', () => {
  assert.equal(
    typesOf([
      { id: 1, price: 2, name: 'a', ok: true, tags: ['x'], customer: { id: 'c', region: 'eu' }, code: 1, seen: null },
      { id: 2, price: 2.5, name: 'b', ok: false, tags: [], customer: { id: 'd', vip: true }, code: 'A1', seen: null },
    ]),
    {
      id: 'BIGINT',
      price: 'DOUBLE',
      name: 'VARCHAR',
      ok: 'BOOLEAN',
      tags: 'VARCHAR[]',
      customer: 'STRUCT("id" VARCHAR, "region" VARCHAR, "vip" BOOLEAN)',
      code: 'JSON',
      seen: 'JSON',
    },
  );
  assert.equal(typesOf([{ lines: [{ sku: 'a', qty: 1 }, { sku: 'b', qty: 1.5 }] }, { lines: [] }]), { lines: 'STRUCT("sku" VARCHAR, "qty" DOUBLE)[]' });
  assert.equal(typesOf([{ big: 2 ** 64, empty: {}, nothing: [] }]), { big: 'DOUBLE', empty: 'JSON', nothing: 'JSON[]' });
});

test('payloads that are not objects are counted but give no fields; keys a column cannot take are reported', () => {
  const s = inferPayloadStructure([42, 'text', [1], null, { Payload: 1, _STREAM: 2, '': 3, a: 1, A: 2, n: { x: 1, X: 2 } }], RESERVED);
  assert.is(s.sampled, 5);
  assert.is(s.objects, 1);
  assert.equal(
    s.fields.map((f) => `${f.name} ${duckdbType(f.type)}`),
    ['a BIGINT', 'n STRUCT("x" BIGINT)'],
  );
  assert.equal(s.skipped, [
    "'Payload' (its name, ignoring case, is taken)",
    "'_STREAM' (its name, ignoring case, is taken)",
    "'' (an empty key)",
    "'A' (its name, ignoring case, is taken)",
    "'n.X' (its name, ignoring case, is taken)",
  ]);
  assert.equal(inferPayloadStructure([1, 'x'], RESERVED).fields, []);
});

test('objects with very many distinct keys are maps: JSON, not a struct of thousands of fields', () => {
  const wide = (prefix: string) => Object.fromEntries(Array.from({ length: MAX_STRUCT_KEYS + 1 }, (_, i) => [`${prefix}${i}`, i]));
  assert.equal(typesOf([{ id: 1, counts: wide('user-') }]), { id: 'BIGINT', counts: 'JSON' });
  const top = inferPayloadStructure([wide('k')], RESERVED);
  assert.equal(top.fields, []);
  assert.match(top.skipped[0], /more than 200 distinct keys/);
});

test('the DuckDB type and the json_transform structure say the same thing, keys quoted', () => {
  const s = inferPayloadStructure([{ 'say "hi"': 'x', nested: { list: [1.5] } }], RESERVED);
  assert.is(duckdbType(payloadType(s)), 'STRUCT("say ""hi""" VARCHAR, "nested" STRUCT("list" DOUBLE[]))');
  assert.equal(transformStructure(payloadType(s)), { 'say "hi"': 'VARCHAR', nested: { list: ['DOUBLE'] } });
});

let engine: SqlEngine;
test.before(async () => {
  engine = await openDuckDbEngine({ threads: 1, memoryLimit: '128MB' });
});
test.after(async () => {
  await engine.close();
});

test('a query needs the raw payload when it names it, lists columns with *, or uses a whole row', async () => {
  const cases: [string, boolean][] = [
    ['SELECT count(*) FROM orders', false],
    ['SELECT customer.region AS region, count(*) AS n FROM orders o WHERE total > 100 GROUP BY region ORDER BY n DESC', false],
    ["SELECT payload->>'status' FROM orders", true],
    ['SELECT o.PAYLOAD FROM orders o', true],
    ['SELECT * FROM orders LIMIT 1', true],
    ['SELECT COLUMNS(\'^c\') FROM orders', true],
    ['SELECT to_json(o) FROM orders o', true],
    ['SELECT orders FROM orders', true],
    ['DESCRIBE orders', true],
    ['PRAGMA version', true],
    ['SELECT 1; SELECT count(*) FROM orders', false],
  ];
  for (const [sql, expected] of cases) assert.is(await needsRawPayload(engine, sql), expected, sql);
});

test.run();
