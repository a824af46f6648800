// A query that reads `payload` only as `payload->>'key'` runs on the typed scan, with `payload` an
// object of those keys read from the file (views.ts reducedPayload): it must answer exactly what
// the JSON path answers (json_extract_string, the same function, keeps the full payload), for
// records whose key changes type, is null, missing, repeated, or whose payload is no object.

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
];

test.before(async () => {
  dir = await tempDir('wshed-payload-keys-');
  const config = { target: 'local' as const, kinesisPort: 4567, home: '.wshed', duckdb: { threads: 2, memoryLimit: '256MB' }, replay: { shardBudgetFraction: 0.8, maxRetries: 5 } };
  const text = `stream s { shards 1 }\nreservoir r { from stream s at "${dir.path}/r" }\n`;
  plan = compile({ path: 'keys.wshed', text }, { config, now: new Date() }).plan!;
  const archive = plan.steps.find((st): st is ArchiveStep => st.kind === 'archive')!;
  const arrival = '2026-01-02T03:04:05.678Z';
  const seq = (i: number) => `496000000000000000000000000000000000000000000000000000${String(i).padStart(2, '0')}`;
  const lines = PAYLOADS.map((payload, i) =>
    reservoirLine({ stream: 's', shardId: 'shardId-000000000000', sequenceNumber: seq(i), subSequenceNumber: 0, partitionKey: `k${i}`, arrivalTime: arrival }, payload),
  );
  const range = { shardId: 'shardId-000000000000', firstSequenceNumber: seq(0), lastSequenceNumber: seq(PAYLOADS.length - 1) };
  const file = path.join(dir.path, 'r', dataFilePath(partitionPath(archive.partition, new Date(arrival)), range, 'json'));
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, lines.join(''));
});
test.after(async () => {
  await dir.remove();
});

/** The query's output, and whether the views gave `payload` as an object of the extracted keys. */
async function render(sql: string, format: OutputFormat = 'ndjson'): Promise<{ text: string; reduced: boolean }> {
  let text = '';
  let reduced = false;
  const out = new Writable({ write: (chunk: Buffer, _e, done) => ((text += chunk.toString('utf8')), done()) });
  const runtime = {
    openSqlEngine: async (): Promise<SqlEngine> => {
      const engine = await openDuckDbEngine({ threads: 2, memoryLimit: '256MB' });
      const exec = engine.exec.bind(engine);
      engine.exec = async (statement: string) => {
        reduced ||= /concat\('\{"[A-Za-z_]+":', coalesce\(struct_extract\(v\."payload"/.test(statement);
        return exec(statement);
      };
      return engine;
    },
    store: (reservoir: string, location: Parameters<typeof openReservoirStore>[1]) => openReservoirStore(reservoir, location, dir.path),
  };
  await runQuery({ plan, cwd: dir.path, streams: null, sql, format, out, runtime } as Parameters<typeof runQuery>[0]);
  return { text, reduced };
}

async function same(keyed: string, full: string): Promise<string> {
  for (const format of ['ndjson', 'table', 'csv'] as const) {
    const a = await render(keyed, format);
    const b = await render(full, format);
    assert.ok(a.reduced, `payload reduced to its keys for: ${keyed}`);
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

test.run();
