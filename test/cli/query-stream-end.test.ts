// `wshed query` through the CLI bundle with SQL that fails after DuckDB has streamed rows (a value
// that does not cast, late in the result): the command fails with DuckDB's message and says how
// many rows it had already written, instead of exiting 0 with the answer cut short.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Scratch } from './helpers.ts';

const scratch = new Scratch();
/** 600,000 rows; the last 10,000 fail to cast (many rows first, so DuckDB streams some before). */
const LATE_FAILURE = `SELECT x, CAST(CASE WHEN x >= 590000 THEN 'bad' ELSE '1' END AS INTEGER) AS v FROM range(600000) AS t(x)`;

test.before(() => {
  writeFileSync(path.join(scratch.dir, 'p.wshed'), 'stream orders { shards 1 }\nreservoir orders_archive { from stream orders }\n');
});

test.after(() => {
  scratch.dispose();
});

for (const format of ['ndjson', 'csv', 'table'] as const) {
  test(`--format ${format}: a failure after the first rows fails the command, with the rows already written counted`, () => {
    const r = scratch.wshed(['query', 'p.wshed', LATE_FAILURE, '--format', format]);
    assert.is(r.code, 1, r.stderr);
    const said = /^wshed: error\[WS741\]: Conversion Error: Could not convert string 'bad' to INT32 \(the query failed after ([\d,]+) rows, which were already given\)$/m.exec(r.stderr);
    assert.ok(said, r.stderr);
    const rows = Number(said[1].replaceAll(',', ''));
    assert.ok(rows > 0 && rows < 600000, `${rows} rows`);
    // Those rows are on standard output, every one (a header line and, for a table, its rule besides).
    const lines = r.stdout.split('\n').filter((l) => l !== '');
    assert.is(lines.length, rows + { ndjson: 0, csv: 1, table: 2 }[format]);
    assert.not.match(r.stderr, /\n\s+at /);
  });
}

test('the same SQL without the failing rows exits 0 with every row', () => {
  const r = scratch.wshed(['query', 'p.wshed', LATE_FAILURE.replace('590000', '600000'), '--format', 'csv']);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout.split('\n').filter((l) => l !== '').length, 600001);
});

test.run();
