// A reader that goes away (`wshed query … | head`) is not a failure: the query stops, nothing is
// reported as an error and the exit code is 0 (before, EPIPE read as "cannot reach the server").

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Scratch } from './helpers.ts';

const scratch = new Scratch();
writeFileSync(path.join(scratch.dir, 'p.wshed'), 'stream s { shards 1 }\nreservoir r { from stream s }\n');
test.after(() => scratch.dispose());

for (const format of ['csv', 'ndjson', 'table']) {
  test(`query --format ${format} | head: the closed pipe ends the query quietly with exit code 0`, async () => {
    const run = scratch.start(['query', 'p.wshed', 'SELECT range AS n FROM range(2000000)', '--format', format]);
    // Like `head -1`: read until the first line, then close the pipe while rows are still coming.
    await new Promise<void>((resolve) => {
      let seen = '';
      run.child.stdout!.on('data', (c: Buffer) => {
        seen += c.toString('utf8');
        if (seen.includes('\n')) {
          run.child.stdout!.destroy();
          resolve();
        }
      });
    });
    const r = await run.done;
    assert.is(r.code, 0, r.stderr);
    assert.not.match(r.stderr, /error|WS7\d\d|at .*\.(m?js|ts):\d+/);
  });
}

test.run();
