// `wshed run FILE --target aws` executes the cluster's plan steps through the installed CLI:
// streams (kinesalite) and the bucket (moto), upload of the cluster's resources, the EMR cluster
// (moto: it is WAITING at once), the SSH tunnel (a real in-process SSH server on 127.0.0.1 standing
// for the primary node), the Drill plugins and the Hive tables over that tunnel, the archive into S3,
// and termination at the end. What cannot run here stands in, and the test says what it checks:
// - Drill behind the tunnel is a recording HTTP server, because the local Drill has no `hive`
//   plugin (not on Maven Central); the plugins a real Drill stores and reads back are held in
//   test/runtime/emr-configure-drill.test.ts. Here: the exact plugin bodies and view statements sent.
// - `hive` on the primary node is a script that logs the statements it is given (Hive cannot run).
// A failing step after the launch terminates the cluster the run launched (cost safety).

import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createS3Client } from '../../src/runtime/aws/s3-client.ts';
import { putAllRecords } from '../../src/runtime/kinesis/put-records.ts';
import { jsonEntries, startTestKinesis, type TestKinesis } from '../runtime/helpers/local-kinesis.ts';
import { createEmrDefaultRoles, startTestMoto, useEnvironment, type TestMoto } from '../runtime/helpers/moto.ts';
import { generateKeys, startTestSshServer, type TestSshServer } from '../runtime/helpers/ssh-server.ts';
import { Scratch, type Run } from './helpers.ts';

const BUCKET = 'acme-lake';
const FAKE_HIVE = `#!/bin/sh
[ "$1" = "-S" ] && [ "$2" = "-e" ] || { echo "usage: hive -S -e SQL" >&2; exit 2; }
if [ -e "$HIVE_FAIL" ]; then echo "FAILED: SemanticException [Error 10072]: Database does not exist: wshed" >&2; exit 17; fi
printf '%s\\n' "$3" >> "$HIVE_LOG"
`;

let moto: TestMoto;
let kinesis: TestKinesis;
let ssh: TestSshServer;
let drill: Server;
let restoreEnvironment: (() => void) | undefined;
const requests: { method: string; url: string; body: string }[] = [];
const plugins = new Map<string, unknown>();
const keys = generateKeys();
const bin = mkdtempSync(path.join(os.tmpdir(), 'wshed-fake-hive-'));
const hiveLog = path.join(bin, 'hive.log');
const hiveFail = path.join(bin, 'fail');
const scratch = new Scratch();

/** Drill's REST shapes for what configure sends: plugins saved and read back, statements answered COMPLETED. */
function recordingDrill(): Server {
  return createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', body });
      const plugin = /^\/storage\/([^/]+)\.json$/.exec(req.url ?? '');
      res.setHeader('content-type', 'application/json');
      if (plugin && req.method === 'POST') {
        plugins.set(decodeURIComponent(plugin[1]!), (JSON.parse(body) as { config: unknown }).config);
        return res.end(JSON.stringify({ result: 'Success' }));
      }
      if (plugin) return res.end(JSON.stringify({ name: plugin[1], config: plugins.get(decodeURIComponent(plugin[1]!)) }));
      if (req.url === '/query.json') return res.end(JSON.stringify({ queryId: 'q', columns: ['ok', 'summary'], rows: [{ ok: 'true', summary: 'View created' }], queryState: 'COMPLETED' }));
      res.statusCode = 404;
      res.end('{}');
    });
  });
}

test.before(async () => {
  moto = await startTestMoto();
  kinesis = await startTestKinesis();
  restoreEnvironment = useEnvironment({ ...moto.env, AWS_ENDPOINT_URL_KINESIS: kinesis.endpoint.url! });
  writeFileSync(path.join(bin, 'hive'), FAKE_HIVE);
  chmodSync(path.join(bin, 'hive'), 0o755);
  ssh = await startTestSshServer({ hostKey: generateKeys().privateKey, clientPublicKey: keys.publicKey, execEnv: { PATH: `${bin}:/usr/bin:/bin`, HIVE_LOG: hiveLog, HIVE_FAIL: hiveFail } });
  drill = recordingDrill();
  await new Promise<void>((resolve) => drill.listen(0, '127.0.0.1', () => resolve()));
  writeFileSync(path.join(scratch.dir, 'key.pem'), keys.privateKey, { mode: 0o600 });
  writeFileSync(
    path.join(scratch.dir, 'orders.wshed'),
    `stream orders { shards 1 }\nstream orders_rebuilt { shards 1 }\nreservoir orders_archive {\n  from stream orders\n  at "s3://${BUCKET}/reservoir/orders"\n  archive via archiver\n}\n`,
  );
  writeFileSync(
    path.join(scratch.dir, 'test.json'),
    JSON.stringify({
      bucket: BUCKET,
      emr: { primaryAddress: `127.0.0.1:${ssh.port}`, terminateAfterRun: true },
      // The "remote" Drill port is the recording server, reached through the SSH server.
      drill: { port: (drill.address() as { port: number }).port },
      ssh: { keyFile: path.join(scratch.dir, 'key.pem'), knownHostsFile: path.join(scratch.dir, 'known_hosts'), localDrillPort: 0, localHivePort: 0, localServicePort: 0 },
    }),
  );
  await createEmrDefaultRoles();
});
test.after(async () => {
  scratch.dispose();
  await ssh.close();
  await new Promise<void>((resolve) => drill.close(() => resolve()));
  await kinesis.close();
  await moto.close();
  restoreEnvironment?.();
  rmSync(bin, { recursive: true, force: true });
});

/** The CLI without blocking this process, whose kinesalite must keep answering. */
const wshed = (args: string[]): Promise<Run> => scratch.start(args).done;
const run = () => wshed(['run', 'orders.wshed', '--target', 'aws', '--conf', 'test.json']);
const status = () => wshed(['cluster', 'status', '--conf', 'test.json']);
const stepLines = (out: string) => out.split('\n').filter((l) => /^\S+ [\w.-]+: /.test(l));

test('run --target aws goes through the cluster steps in plan order, archives into S3, and terminates the cluster', async () => {
  await kinesis.streams.ensureStream('orders', 1, 24);
  await putAllRecords(kinesis.streams, 'orders', jsonEntries(50));
  const r = await run();
  assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`);
  const ids = stepLines(r.stdout).map((l) => /^\S+ ([\w.-]+):/.exec(l)![1]);
  const order = ['upload.cluster-resources', 'emr.cluster', 'ssh.tunnel', 'archive.orders_archive', 'emr.terminate'].map((id) => ids.indexOf(id));
  assert.ok(order.every((i, n) => i >= 0 && (n === 0 || i > order[n - 1]!)), `steps in plan order:\n${r.stdout}`);
  assert.match(r.stdout, /emr\.cluster: launched cluster (j-\w+), now WAITING/);
  const id = /launched cluster (j-\w+)/.exec(r.stdout)![1];
  assert.match(r.stdout, /ssh\.tunnel: open for this run: drill on 127\.0\.0\.1:\d+/);
  assert.match(r.stdout, new RegExp(`emr\\.terminate: terminating cluster ${id}`));
  assert.match(r.stderr, /pinned the host key of 127\.0\.0\.1/);

  // Drill was configured through the tunnel: the bucket's plugin and `hive`, each read back.
  const saved = requests.filter((q) => q.method === 'POST' && q.url.startsWith('/storage/')).map((q) => q.url);
  assert.ok(saved.includes('/storage/hive.json'), saved.join('\n'));
  assert.ok(saved.some((u) => u !== '/storage/hive.json'), 'the bucket plugin');
  const plugin = [...plugins.entries()].find(([name]) => name !== 'hive')![1] as { type: string; connection: string };
  assert.is(plugin.type, 'file');
  assert.is(plugin.connection, `s3a://${BUCKET}`);

  // Archived into the bucket by the built-in archiver, after the cluster was up.
  const s3 = createS3Client();
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'reservoir/orders/dt=' }));
  assert.ok((listed.Contents ?? []).length > 0, 'data files in the reservoir');
  // Drill refuses an S3 workspace with nothing under it: the upload leaves a marker in the views folder.
  const views = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'wshed/cluster/views/' }));
  assert.equal((views.Contents ?? []).map((o) => o.Key), ['wshed/cluster/views/.keep']);
  s3.destroy();
  assert.match(r.stdout, /archived 50 records of orders/);
  assert.match((await status()).stdout, /no cluster of watershed/);
});

test('a step that fails after the launch terminates the cluster this run launched, in one coded line', async () => {
  writeFileSync(hiveFail, '');
  // A replay makes the plan read live records through Hive: its table is made on the primary node.
  writeFileSync(
    path.join(scratch.dir, 'orders.wshed'),
    `${readFileSync(path.join(scratch.dir, 'orders.wshed'), 'utf8')}replay rebuild from archive+live orders_archive into stream orders_rebuilt\n`,
  );
  try {
    const r = await run();
    assert.is(r.code, 1, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /error\[WS841\]/);
    assert.match(r.stderr, /Database does not exist: wshed/);
    assert.not.match(r.stderr, /\n\s+at /, 'no stack trace');
    assert.match(r.stderr, /the run failed: terminating cluster j-\w+/);
    assert.match((await status()).stdout, /no cluster of watershed/);
  } finally {
    rmSync(hiveFail, { force: true });
  }
});

test('a Firehose reservoir: run provisions the delivery stream and its archive step is left to Firehose', async () => {
  writeFileSync(
    path.join(scratch.dir, 'hose.wshed'),
    `stream clicks { shards 1 }\nreservoir clicks_archive {\n  from stream clicks\n  at "s3://${BUCKET}/reservoir/clicks"\n  archive via firehose buffer 64MB 60s\n}\n`,
  );
  const r = await wshed(['run', 'hose.wshed', '--target', 'aws', '--conf', 'test.json']);
  assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /firehose\.clicks_archive: created /);
  assert.match(r.stdout, /archive\.clicks_archive: delivered by Firehose \(firehose\.clicks_archive\), flushed at least every 60 s; records not delivered yet are read live/, r.stdout);
  assert.not.match(r.stdout + r.stderr, /WS725/);
});

test.run();
