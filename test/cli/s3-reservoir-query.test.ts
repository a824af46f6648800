// `wshed query` on a pipeline whose reservoir is on S3 with the embedded DuckDB, which cannot load
// httpfs here: the CLI says so in one coded line with the way out (target local: --target aws;
// target aws: --engine drill) and starts nothing.

import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Scratch } from './helpers.ts';

const scratch = new Scratch();
test.after(() => scratch.dispose());

writeFileSync(
  path.join(scratch.dir, 'orders.wshed'),
  [
    'stream orders { shards 1 }',
    'reservoir orders_archive {',
    '  from stream orders',
    '  at "s3://orders-bucket/kinesis/orders"',
    '  archive via archiver',
    '}',
    'query per_key "SELECT _partition_key, count(*) FROM orders_archive GROUP BY 1"',
    '',
  ].join('\n'),
);

for (const args of [['query', 'orders.wshed', 'SELECT count(*) FROM orders_archive'], ['query', 'orders.wshed', '--name', 'per_key']]) {
  test(`wshed ${args.join(' ')}: one coded line naming --target aws, nothing started`, () => {
    const r = scratch.wshed(args);
    assert.is(r.code, 1, r.stderr);
    assert.is(r.stdout, '');
    const lines = r.stderr.trim().split('\n');
    assert.match(lines[0], /^wshed: error\[WS745\]: reservoir 'orders_archive' is on s3:\/\/orders-bucket\/kinesis\/orders/);
    assert.match(lines[0], /cannot read S3/);
    assert.match(r.stderr, /--target aws/);
    assert.ok(lines.length <= 2, `one error line and its fix:\n${r.stderr}`);
    assert.not.match(r.stderr, /\n\s+at /, 'no stack trace');
    assert.is(existsSync(path.join(scratch.dir, '.wshed', 'kinesis')), false, 'the local service was not started');
  });
}

test('wshed query --target aws --engine duckdb (the embedded DuckDB; Drill is the default on aws): one coded line naming --engine drill', () => {
  const r = scratch.wshed(['query', 'orders.wshed', 'SELECT count(*) FROM orders_archive', '--target', 'aws', '--engine', 'duckdb']);
  assert.is(r.code, 1, r.stderr);
  assert.is(r.stdout, '');
  const lines = r.stderr.trim().split('\n');
  assert.match(lines[0], /^wshed: error\[WS748\]: reservoir 'orders_archive' is on s3:\/\/orders-bucket\/kinesis\/orders, and the embedded DuckDB cannot read S3 on target aws/);
  assert.match(r.stderr, /--engine drill/);
  assert.ok(lines.length <= 2, `one error line and its fix:\n${r.stderr}`);
  assert.not.match(r.stderr, /\n\s+at /, 'no stack trace');
});

test.run();
