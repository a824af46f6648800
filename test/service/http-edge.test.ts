// The service's HTTP edge under clients that misbehave: a slowloris that never ends its headers is
// cut off, connections past the cap are refused while the first ones are served, a malformed
// percent-encoding is the caller's 400 (not a 500), and HEAD answers wherever GET does.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import type { PumpServer } from '../../src/service/server.ts';
import { raw, startFixture, type ServiceFixture } from './security-fixture.ts';

let fx: ServiceFixture;
let server: PumpServer;
const opened: net.Socket[] = [];

test.before(async () => {
  fx = await startFixture('edge');
  server = await fx.serve();
});

test.after(async () => {
  for (const s of opened) s.destroy();
  await fx?.close();
});

/** A raw TCP connection to the service, with what it received and a promise of its end. */
async function connect(target: PumpServer): Promise<{ socket: net.Socket; received: () => string; closed: Promise<void> }> {
  const socket = net.connect(target.port, '127.0.0.1');
  opened.push(socket);
  let text = '';
  socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, received: () => text, closed };
}

/** Resolves when `promise` does, fails the test after a generous bound (never a fixed sleep). */
function within<T>(what: string, promise: Promise<T>, ms = 20_000): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms)))]).finally(() => clearTimeout(timer));
}

test('a client that never finishes its headers is cut off (408) while others are served', async () => {
  const guarded = await fx.serve({ headersTimeoutMs: 300, requestTimeoutMs: 1000 });
  const slow = await connect(guarded);
  slow.socket.write(`GET /health HTTP/1.1\r\nHost: 127.0.0.1:${guarded.port}\r\nX-Slow: `);
  // The service keeps answering others while the slow one hangs.
  assert.is((await raw(guarded, 'GET', '/health')).status, 200);
  await within('the slow client to be disconnected', slow.closed);
  assert.match(slow.received(), /^HTTP\/1\.1 408/);
});

test('a client that sends its headers but never finishes its body is cut off at the request timeout', async () => {
  const guarded = await fx.serve({ headersTimeoutMs: 300, requestTimeoutMs: 600 });
  const slow = await connect(guarded);
  slow.socket.write(`POST /pump/jobs/preview HTTP/1.1\r\nHost: 127.0.0.1:${guarded.port}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"queryIn": `);
  await within('the slow body to be cut off', slow.closed);
  assert.match(slow.received(), /^HTTP\/1\.1 408/);
});

test('connections past the cap are closed at once; those under it are served, and a freed place is reusable', async () => {
  const capped = await fx.serve({ maxConnections: 2 });
  const keep = [await connect(capped), await connect(capped)];
  // Each of the first two is served a keep-alive request, so the service holds both open.
  for (const c of keep) {
    c.socket.write(`GET /health HTTP/1.1\r\nHost: 127.0.0.1:${capped.port}\r\n\r\n`);
    await within('an answer under the cap', new Promise<void>((resolve) => {
      const check = () => (/\r\n\r\n[\s\S]*"status"/.test(c.received()) ? resolve() : c.socket.once('data', check));
      check();
    }));
  }
  const extra = await connect(capped);
  extra.socket.write(`GET /health HTTP/1.1\r\nHost: 127.0.0.1:${capped.port}\r\n\r\n`);
  await within('the connection over the cap to be closed', extra.closed);
  assert.is(extra.received(), '', 'the extra connection got no answer');
  keep[0].socket.destroy();
  await keep[0].closed;
  // Once a place is free a new client is served (the server may take a moment to see the close).
  let status = 0;
  for (let attempt = 0; attempt < 200 && status !== 200; attempt++) status = await raw(capped, 'GET', '/health').then((a) => a.status, () => 0);
  assert.is(status, 200);
});

test('a malformed percent-encoding in the path is a 400 naming it, not a 500', async () => {
  for (const route of ['/pump/jobs/%E0%A4%A', '/pump/jobs/%zz', '/pump/jobs/%ff/events', '/%E0%A4%A']) {
    const answer = await raw(server, 'GET', route);
    assert.is(answer.status, 400, route);
    assert.match(answer.json.error, /malformed percent-encoding/);
  }
  const fine = await raw(server, 'GET', '/pump/jobs/no%20such%20job');
  assert.is(fine.status, 404);
  assert.match(fine.json.error, /no job 'no such job'/);
});

test('HEAD answers wherever GET does, with the same status and headers and no body', async () => {
  for (const route of ['/health', '/pump/jobs', '/pump/replays', '/pump/jobs/nope', '/']) {
    const get = await raw(server, 'GET', route);
    const head = await raw(server, 'HEAD', route);
    assert.is(head.status, get.status, route);
    assert.is(head.headers['content-type'], get.headers['content-type'], route);
    assert.is(head.text, '', route);
  }
  const events = await raw(server, 'HEAD', '/pump/events');
  assert.is(events.status, 200);
  assert.match(String(events.headers['content-type']), /text\/event-stream/);
  const wrong = await raw(server, 'DELETE', '/pump/jobs');
  assert.is(wrong.status, 405);
  assert.match(String(wrong.headers.allow), /GET.*HEAD|HEAD.*GET/);
});

test.run();
