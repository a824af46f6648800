// What a foreign web page can do to the default service (no token, 127.0.0.1): nothing. Writes
// must say they are JSON (a page can send text/plain or a form without asking), requests from
// another origin are refused, and a Host that is not the service's own (DNS rebinding) is refused.
// Weak tokens keep `wshed serve` from starting.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PumpServer } from '../../src/service/server.ts';
import { PumpClient } from '../../src/cli/pump-client.ts';
import { Scratch } from '../cli/helpers.ts';
import { jobCount, postJson, raw, startFixture, type ServiceFixture } from './security-fixture.ts';

let fx: ServiceFixture;
let server: PumpServer;
const job = () => ({ queryIn: 'SELECT order_id FROM orders_archive', streamOut: fx.out, hasReplayFlag: false, hasOverwriteFlag: false });

test.before(async () => {
  fx = await startFixture('security');
  server = await fx.serve();
});

test.after(async () => {
  await fx?.close();
});

test('a cross-site text/plain or form POST creates no job (415), a JSON one from the page does', async () => {
  const before = await jobCount(server);
  const body = JSON.stringify(job());
  for (const type of ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', null]) {
    const answer = await raw(server, 'POST', '/pump/jobs', { headers: { 'content-type': type }, body });
    assert.is(answer.status, 415, `content type ${type}`);
    assert.match(answer.json.error, /Content-Type: application\/json/);
  }
  // No body at all, as a cross-site form to cancel or resume would send it, is refused too.
  assert.is((await raw(server, 'POST', '/pump/jobs/x/cancel')).status, 415);
  assert.is(await jobCount(server), before, 'nothing was created');
  const made = await postJson(server, '/pump/jobs', job(), { origin: server.url });
  assert.is(made.status, 201, made.text);
  assert.is(await jobCount(server), before + 1);
});

test("a request whose Origin is not the service's own is refused (403), whatever its method", async () => {
  const before = await jobCount(server);
  for (const origin of ['http://evil.example', 'null', `${server.url.replace('127.0.0.1', 'evil.example')}`, 'http://127.0.0.1:1', 'file://']) {
    const write = await postJson(server, '/pump/jobs', job(), { origin });
    assert.is(write.status, 403, `POST from ${origin}`);
    assert.match(write.json.error, /another origin/);
    assert.is((await raw(server, 'GET', '/pump/jobs', { headers: { origin } })).status, 403, `GET from ${origin}`);
  }
  assert.is((await postJson(server, '/pump/jobs/preview', { queryIn: 'SELECT 1', previewCount: 1 }, { origin: 'http://evil.example' })).status, 403);
  assert.is(await jobCount(server), before);
  // The page's own origin, under either loopback name it was opened with.
  assert.is((await raw(server, 'GET', '/pump/jobs', { headers: { origin: server.url } })).status, 200);
  const localhost = `localhost:${server.port}`;
  assert.is((await raw(server, 'GET', '/pump/jobs', { headers: { host: localhost, origin: `http://${localhost}` } })).status, 200);
});

test('DNS rebinding: a Host that is not the bound address is refused, even for the page; --allow-host adds a name', async () => {
  for (const host of [`evil.example:${server.port}`, 'evil.example', `127.0.0.1.evil.example:${server.port}`, `10.0.0.1:${server.port}`, 'bad host']) {
    const answer = await raw(server, 'GET', '/pump/jobs', { headers: { host } });
    assert.is(answer.status, 403, `Host ${host}`);
    assert.match(answer.json.error, /does not answer to the name/);
    assert.is((await raw(server, 'GET', '/', { headers: { host } })).status, 403, `page with Host ${host}`);
  }
  for (const host of [`127.0.0.1:${server.port}`, `localhost:${server.port}`, 'localhost', `LOCALHOST:${server.port}`]) {
    assert.is((await raw(server, 'GET', '/health', { headers: { host } })).status, 200, `Host ${host}`);
  }
  const proxied = await fx.serve({ allowHosts: ['pump.internal'] });
  assert.is((await raw(proxied, 'GET', '/health', { headers: { host: 'pump.internal' } })).status, 200);
  assert.is((await raw(proxied, 'GET', '/health', { headers: { host: `pump.internal:${proxied.port}`, origin: `http://pump.internal:${proxied.port}` } })).status, 200);
  assert.is((await raw(proxied, 'GET', '/health', { headers: { host: 'other.internal' } })).status, 403);
});

test('the CLI client sends JSON on every POST, with or without a body', async () => {
  const client = new PumpClient(server.url);
  const preview = await client.preview('SELECT order_id FROM orders_archive ORDER BY order_id', 2);
  assert.equal(preview.rows, [{ order_id: 0 }, { order_id: 1 }]);
  const created = await client.createJob(job());
  assert.ok(created.jobId);
});

test('wshed serve refuses a short or blank token in one line, before starting anything', () => {
  const scratch = new Scratch();
  try {
    for (const token of ['short-token', ' '.repeat(20), '']) {
      const r = scratch.wshed(['serve', '--port', '0', '--token', token]);
      assert.is(r.code, 2, `token ${JSON.stringify(token)}: ${r.stderr}`);
      assert.match(r.stderr, /token is too weak: give one of at least 16 characters/);
      assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.not.match(r.stderr, /at .*\.ts:\d+/, 'no stack trace');
    }
  } finally {
    scratch.dispose();
  }
});

test.run();
