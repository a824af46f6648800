// `wshed query` through the CLI bundle with `payload->>'key'` as the only use of `payload`: the
// views read the archive typed and the `->>` become field accesses (views.ts, payload-extraction.ts).
// A user sees the same text as with the full payload, DuckDB's own column names, and a mistake
// reported on what they wrote, at its position.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Scratch } from './helpers.ts';

const scratch = new Scratch();

const ORDERS = [
  '{"id":1,"status":"open","total":1.50}',
  '{"id":2,"status":"shipped","total":1E23}',
  '{"id":3,"status":"a \\"quoted\\" \\u00e9","total":null}',
  '{"id":4,"total":7}',
  '{"id":5,"status":{"nested":[1,2.50]},"total":-0.0}',
];

function ok(args: string[], input?: string): string {
  const r = scratch.wshed(args, input);
  assert.is(r.code, 0, `wshed ${args.join(' ')}:\n${r.stderr}`);
  return r.stdout;
}

test.before(() => {
  writeFileSync(path.join(scratch.dir, 'p.wshed'), 'stream orders { shards 1 }\nreservoir orders_archive { from stream orders }\n');
  writeFileSync(path.join(scratch.dir, 'free.json'), '{"kinesisPort": 0}\n');
  ok(['run', 'p.wshed', '--conf', 'free.json']);
  ok(['put', 'orders', '--pipeline', 'p.wshed'], ORDERS.join('\n') + '\n');
  ok(['archive', 'p.wshed']);
});

test.after(() => {
  scratch.dispose();
});

for (const format of ['table', 'csv', 'ndjson']) {
  test(`--format ${format}: payload->>'key' answers as json_extract_string on the full payload`, () => {
    const keyed = ok(['query', 'p.wshed', `SELECT id, payload->>'status' AS status, payload->>'total' AS total FROM orders_archive_archived ORDER BY id`, '--format', format]);
    const full = ok(['query', 'p.wshed', `SELECT id, json_extract_string(payload, 'status') AS status, json_extract_string(payload, 'total') AS total FROM orders_archive_archived ORDER BY id`, '--format', format]);
    assert.is(keyed, full);
    if (format === 'ndjson') {
      const rows = keyed.trim().split('\n').map((l) => JSON.parse(l) as { status: string | null; total: string | null });
      assert.equal(rows.map((r) => r.status), ['open', 'shipped', 'a "quoted" é', null, '{"nested":[1,2.5]}']);
      assert.equal(rows.map((r) => r.total), ['1.5', '1e23', null, '7', '-0.0']);
    }
  });
}

test("an unnamed column is named as DuckDB names what the user wrote", () => {
  const out = ok(['query', 'p.wshed', `SELECT payload->>'status', count(*) FROM orders_archive_archived GROUP BY ALL ORDER BY 1 NULLS LAST LIMIT 1`, '--format', 'csv']);
  assert.is(out.split('\n')[0], `(payload ->> 'status'),count_star()`);
});

test('a mistake is reported on the SQL as written, at its position, in one coded line', () => {
  const r = scratch.wshed(['query', 'p.wshed', `SELECT payload->>'status' AS s, nosuch FROM orders_archive_archived`]);
  assert.is(r.code, 1, r.stderr);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /WS741/);
  assert.match(r.stderr, /LINE 1: SELECT payload->>'status' AS s, nosuch FROM orders_archive_archived\n {40}\^/);
  assert.not.match(r.stderr, /struct_extract/);
  assert.not.match(r.stderr, /\n\s+at /);
});

test.run();
