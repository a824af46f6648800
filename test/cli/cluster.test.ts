// `wshed cluster` through the real CLI against moto (EMR, IAM, S3) and a real SSH server on
// 127.0.0.1 standing for the primary node (emr.primaryAddress maps it there): launch, launch
// again reusing it, wait, status by tag, forward until Ctrl-C with --terminate-on-exit, and a
// cluster that is not there.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { createEmrDefaultRoles, startTestMoto, type TestMoto } from '../runtime/helpers/moto.ts';
import { generateKeys, startTestSshServer, type TestSshServer } from '../runtime/helpers/ssh-server.ts';
import { Scratch } from './helpers.ts';

let moto: TestMoto;
let ssh: TestSshServer;
let http: Server;
let httpPort: number;
let scratch: Scratch;
const keys = generateKeys();
const savedEnv = { ...process.env };

test.before(async () => {
  moto = await startTestMoto();
  Object.assign(process.env, moto.env);
  ssh = await startTestSshServer({ hostKey: generateKeys().privateKey, clientPublicKey: keys.publicKey });
  http = createServer((req, res) => res.end(`drill says ${req.url}`));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()));
  httpPort = (http.address() as { port: number }).port;
  scratch = new Scratch();
  writeFileSync(path.join(scratch.dir, 'orders.wshed'), 'stream orders { shards 1 }\nreservoir orders_archive { from stream orders at "s3://acme-lake/reservoir/orders" }\n');
  writeFileSync(path.join(scratch.dir, 'key.pem'), keys.privateKey, { mode: 0o600 });
  writeFileSync(
    path.join(scratch.dir, 'test.json'),
    JSON.stringify({
      bucket: 'acme-lake',
      emr: { primaryAddress: `127.0.0.1:${ssh.port}` },
      // The "remote" Drill port is the local HTTP server, reached through the SSH server.
      drill: { port: httpPort },
      ssh: { keyFile: path.join(scratch.dir, 'key.pem'), knownHostsFile: path.join(scratch.dir, 'known_hosts'), localDrillPort: 0, localHivePort: 0, localServicePort: 0 },
    }),
  );
  await createEmrDefaultRoles();
});
test.after(async () => {
  scratch.dispose();
  await ssh.close();
  await new Promise<void>((resolve) => http.close(() => resolve()));
  await moto.close();
  for (const k of Object.keys(moto.env)) if (savedEnv[k] === undefined) delete process.env[k];
  Object.assign(process.env, savedEnv);
});

const cluster = (...args: string[]) => scratch.wshed(['cluster', ...args, '--conf', 'test.json']);

test('launch, launch again (reused), wait, status lists it by tag', () => {
  const none = cluster('wait', 'orders.wshed');
  assert.is(none.code, 1, none.stderr);
  assert.match(none.stderr, "error[WS834]: no running cluster of pipeline 'orders'");
  const first = cluster('launch', 'orders.wshed');
  assert.is(first.code, 0, first.stderr);
  const id = /launched cluster (j-\w+)/.exec(first.stdout)?.[1];
  assert.ok(id, first.stdout);
  const again = cluster('launch', 'orders.wshed');
  assert.is(again.code, 0, again.stderr);
  assert.match(again.stdout, `cluster ${id} of pipeline 'orders' is already WAITING: reusing it`);
  const waited = cluster('wait', 'orders.wshed', '--poll', '0.01');
  assert.is(waited.code, 0, waited.stderr);
  assert.match(waited.stdout, `cluster ${id} is WAITING`);
  assert.match(waited.stderr, `cluster ${id}: WAITING`);
  const status = scratch.wshed(['cluster', 'status', '--conf', 'test.json']);
  assert.is(status.code, 0, status.stderr);
  assert.match(status.stdout, new RegExp(`^${id}\\s+WAITING\\s+wshed\\s+pipeline orders`, 'm'));
  assert.match(status.stdout, '1 running');
});

test('forward tunnels Drill through the primary node until Ctrl-C; --terminate-on-exit terminates the cluster', async () => {
  const started = scratch.start(['cluster', 'forward', 'orders.wshed', '--terminate-on-exit', '--conf', 'test.json']);
  let out = '';
  let err = '';
  const drillPort = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no tunnel within 60 s:\n${out}\n${err}`)), 60_000);
    const check = () => {
      const m = /forwarding 127\.0\.0\.1:(\d+) -> primary node:\d+ \(drill\)/.exec(err);
      if (m && out.includes('is up')) (clearTimeout(timer), resolve(Number(m[1])));
    };
    started.child.stdout!.on('data', (c: Buffer) => ((out += c), check()));
    started.child.stderr!.on('data', (c: Buffer) => ((err += c), check()));
  });
  assert.match(err, /pinned the host key of 127\.0\.0\.1 \(SHA256:\S+\)/);
  assert.is(await (await fetch(`http://127.0.0.1:${drillPort}/status`)).text(), 'drill says /status');
  started.child.kill('SIGINT');
  const done = await started.done;
  assert.is(done.code, 0, done.stderr);
  assert.match(done.stdout, 'tunnel closed');
  assert.match(done.stdout, /terminating cluster j-\w+/);
  const status = scratch.wshed(['cluster', 'status', '--conf', 'test.json']);
  assert.match(status.stdout, 'no cluster of watershed');
});

test('terminate with nothing running says so; an unknown action lists the actions', () => {
  const r = cluster('terminate', 'orders.wshed');
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, 'nothing to terminate');
  const bad = scratch.wshed(['cluster', 'lanch', 'orders.wshed']);
  assert.is(bad.code, 2);
  assert.match(bad.stderr, 'launch');
});

test.run();
