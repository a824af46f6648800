// `wshed local` as users meet it through the real CLI: the actions listed when none is named,
// status's exit code for scripts, and a busy port answered with the fix, leaving nothing running.

import { writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Scratch } from './helpers.ts';

const scratch = new Scratch();
test.after(() => scratch.dispose());

test('wshed local with no action lists the actions and exits 2', () => {
  const r = scratch.wshed(['local']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /^wshed local: name an action:\n  start +start the local Kinesis service.*\n  stop +stop .*\n  status +say whether .*\nsee 'wshed local --help'\n$/);
});

test('local status exits 1 when the service is not running, 0 when it runs', () => {
  const stopped = scratch.wshed(['local', 'status']);
  assert.is(stopped.code, 1);
  assert.match(stopped.stdout, /^not running .*start it with: wshed local start\n$/);
  const json = scratch.wshed(['local', 'status', '--json']);
  assert.is(json.code, 1);
  assert.is((JSON.parse(json.stdout) as { state: string }).state, 'stopped');
  assert.is(scratch.wshed(['local', 'start', '--port', '0']).code, 0);
  const running = scratch.wshed(['local', 'status']);
  assert.is(running.code, 0, running.stderr);
  assert.match(running.stdout, /^running on 127\.0\.0\.1:\d+ /);
  assert.is(scratch.wshed(['local', 'stop']).code, 0);
});

test('local start on a busy port says so with the fix, and leaves nothing running', async () => {
  const busy = net.createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  const port = (busy.address() as net.AddressInfo).port;
  try {
    const r = scratch.wshed(['local', 'start', '--port', String(port)]);
    assert.is(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`^wshed: error\\[WS704\\]: port ${port} is in use; try --port 0\\n`));
    assert.not.match(r.stderr, /\n\s+at /);
    assert.is(scratch.wshed(['local', 'status']).code, 1);
  } finally {
    busy.close();
  }
});

test('serve on a busy port says the same', async () => {
  const busy = net.createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  const port = (busy.address() as net.AddressInfo).port;
  try {
    // The local Kinesis service serve starts goes on a free port: only the service's own port is busy.
    writeFileSync(path.join(scratch.dir, 'free.json'), '{"kinesisPort": 0}\n');
    const r = scratch.wshed(['serve', '--port', String(port), '--conf', 'free.json']);
    assert.is(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`^(.*\\n)*wshed: port ${port} is in use on 127\\.0\\.0\\.1; try --port 0\\n$`));
  } finally {
    busy.close();
    scratch.wshed(['local', 'stop']);
  }
});

test('a bad --port is refused before anything starts', () => {
  const r = scratch.wshed(['local', 'start', '--port', '70000']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /--port takes a port number \(0 to 65535\)/);
});

test.run();
