// The end-to-end test of the aws target on one machine (issue 12): `wshed run` of the orders
// pipeline through the CLI bundle, against moto_server (S3, IAM, EMR), kinesalite for Kinesis, a
// real SSH server on 127.0.0.1 standing for the cluster's primary node (`emr.primaryAddress`) and
// the REAL local Drill (scripts/drill.sh) behind the tunnel, reading the reservoir on moto through
// s3a (the settings' `drill.s3a`: moto's endpoint, path-style, no SSL, anonymous credentials).
// What cannot run here stands in, said plainly:
// - The pipeline is pipelines/aws-orders.wshed with `archive via archiver` instead of Firehose:
//   moto's Firehose accepts records but never delivers them to S3, so a Firehose reservoir would
//   stay empty here. Its bucket is one of this run's own; everything else is as shipped.
// - Drill's `hive` plugin is not on Maven Central, so the local Drill has none: a small HTTP proxy
//   in front of Drill answers only the `hive` plugin's save and read-back and the statements that
//   name `hive`.* (the `<stream>_stream` views over the Hive tables), and forwards everything else
//   to the real Drill. No query of the test reads through Hive (the live records reach Drill as
//   snapshots in the reservoir).
// - Drill reads S3 with no keys on EMR (the instance profile); the local Drill has none either and
//   reads moto anonymously, so the test makes the bucket beforehand with a policy that lets anyone
//   in (moto refuses anonymous reads of a private bucket). The run finds the bucket there.
// - `hive` on the primary node is a script that logs the statements it is given (no Hive here).
// The replay (`replay rebuild`: since 30d ago, compact by key, annotate) runs in the same `wshed run`
// as step 4, reading its source through Drill behind the tunnel (the plan's Drill SQL, the
// replay's own live snapshot on S3), and emits into kinesalite's `orders_rebuilt`; the test reads
// that stream back and compares it with the set computed from what it put.

import { ListClustersCommand, EMRClient } from '@aws-sdk/client-emr';
import { CreateBucketCommand, HeadBucketCommand, ListObjectsV2Command, PutBucketPolicyCommand } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createS3Client } from '../../src/runtime/aws/s3-client.ts';
import { putAllRecords } from '../../src/runtime/kinesis/put-records.ts';
import { readReplayed } from '../runtime/helpers/fault-proxy.ts';
import { startTestDrill, type TestDrill } from '../runtime/helpers/drill.ts';
import { startTestKinesis, type TestKinesis } from '../runtime/helpers/local-kinesis.ts';
import { createEmrDefaultRoles, startTestMoto, useEnvironment, type TestMoto } from '../runtime/helpers/moto.ts';
import { generateKeys, startTestSshServer, type TestSshServer } from '../runtime/helpers/ssh-server.ts';
import { Scratch, type Run } from './helpers.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
// A bucket and a plugin of this run's own: the local Drill is shared and outlives the test, and
// Hadoop caches an s3a file system per bucket (with the endpoint of the moto it first met).
const RUN = randomBytes(4).toString('hex');
const BUCKET = `wshed-e2e-${RUN}`;
const PLUGIN = `wshed_e2e_${RUN}`;
const FAKE_HIVE = `#!/bin/sh
[ "$1" = "-S" ] && [ "$2" = "-e" ] || { echo "usage: hive -S -e SQL" >&2; exit 2; }
printf '%s\\n' "$3" >> "$HIVE_LOG"
`;

let moto: TestMoto;
let kinesis: TestKinesis;
let ssh: TestSshServer;
let drill: TestDrill;
let proxy: Server;
let restoreEnvironment: (() => void) | undefined;
const hivePlugin: { config?: unknown } = {};
const hiveStatements: string[] = [];
const keys = generateKeys();
const bin = mkdtempSync(path.join(os.tmpdir(), 'wshed-e2e-hive-'));
const hiveLog = path.join(bin, 'hive.log');
const scratch = new Scratch();

/** Drill, but for what the local Drill cannot have: the `hive` plugin and statements over `hive`.*. */
function drillProxy(target: string): Server {
  return createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = req.url ?? '/';
      const answer = (value: unknown) => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(value));
      };
      if (url === '/storage/hive.json') {
        if (req.method === 'POST') {
          hivePlugin.config = (JSON.parse(body.toString('utf8')) as { config: unknown }).config;
          return answer({ result: 'Success' });
        }
        return answer({ name: 'hive', config: hivePlugin.config });
      }
      if (url === '/query.json' && req.method === 'POST') {
        const sql = (JSON.parse(body.toString('utf8')) as { query?: string }).query ?? '';
        if (/`hive`\s*\./i.test(sql)) {
          hiveStatements.push(sql);
          return answer({ queryId: 'stand-in', columns: ['ok', 'summary'], rows: [{ ok: 'true', summary: 'View created (stand-in)' }], queryState: 'COMPLETED' });
        }
      }
      const headers: Record<string, string> = {};
      if (req.headers['content-type']) headers['content-type'] = req.headers['content-type'];
      fetch(`${target}${url}`, { method: req.method, headers, body: req.method === 'GET' || req.method === 'HEAD' ? undefined : body })
        .then(async (r) => {
          res.statusCode = r.status;
          const type = r.headers.get('content-type');
          if (type) res.setHeader('content-type', type);
          res.end(Buffer.from(await r.arrayBuffer()));
        })
        .catch((err: Error) => {
          res.statusCode = 502;
          res.end(`proxy: ${err.message}`);
        });
    });
  });
}

let proxyUrl = '';

test.before(async () => {
  moto = await startTestMoto();
  kinesis = await startTestKinesis();
  drill = await startTestDrill();
  restoreEnvironment = useEnvironment({ ...moto.env, AWS_ENDPOINT_URL_KINESIS: kinesis.endpoint.url! });
  writeFileSync(path.join(bin, 'hive'), FAKE_HIVE);
  chmodSync(path.join(bin, 'hive'), 0o755);
  ssh = await startTestSshServer({ hostKey: generateKeys().privateKey, clientPublicKey: keys.publicKey, execEnv: { PATH: `${bin}:/usr/bin:/bin`, HIVE_LOG: hiveLog } });
  proxy = drillProxy(drill.url);
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', () => resolve()));
  const proxyPort = (proxy.address() as { port: number }).port;
  proxyUrl = `http://127.0.0.1:${proxyPort}`;

  const shipped = readFileSync(path.join(ROOT, 'pipelines/aws-orders.wshed'), 'utf8');
  const copy = shipped.replace('archive via firehose buffer 64MB 300s', 'archive via archiver').replace('at "s3://my-wshed-bucket/', `at "s3://${BUCKET}/`);
  assert.is(copy.split('\n').filter((l, i) => l !== shipped.split('\n')[i]).length, 2, 'the copy changes the archive line and the bucket alone');
  writeFileSync(path.join(scratch.dir, 'aws-orders.wshed'), copy);
  writeFileSync(path.join(scratch.dir, 'key.pem'), keys.privateKey, { mode: 0o600 });
  const settings = (drillPort: number) => ({
    bucket: BUCKET,
    emr: { primaryAddress: `127.0.0.1:${ssh.port}`, terminateAfterRun: true },
    // The "remote" Drill port is the proxy in front of the local Drill, reached through the SSH server.
    drill: {
      storagePlugin: PLUGIN,
      port: proxyPort,
      s3a: {
        'fs.s3a.endpoint': moto.endpoint,
        'fs.s3a.endpoint.region': 'us-east-1',
        'fs.s3a.path.style.access': 'true',
        'fs.s3a.connection.ssl.enabled': 'false',
        'fs.s3a.aws.credentials.provider': 'org.apache.hadoop.fs.s3a.AnonymousAWSCredentialsProvider',
        'fs.s3a.impl.disable.cache': 'true',
      },
    },
    ssh: { keyFile: path.join(scratch.dir, 'key.pem'), knownHostsFile: path.join(scratch.dir, 'known_hosts'), localDrillPort: drillPort, localHivePort: 0, localServicePort: 0 },
  });
  writeFileSync(path.join(scratch.dir, 'test.json'), JSON.stringify(settings(0)));
  // For commands after the run: Drill where a tunnel's local end would be (here the proxy itself).
  writeFileSync(path.join(scratch.dir, 'after.json'), JSON.stringify(settings(proxyPort)));

  const s3 = createS3Client();
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const anyone = { Effect: 'Allow', Principal: '*', Action: 's3:*', Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`] };
  await s3.send(new PutBucketPolicyCommand({ Bucket: BUCKET, Policy: JSON.stringify({ Version: '2012-10-17', Statement: [anyone] }) }));
  s3.destroy();
  await createEmrDefaultRoles();
});

test.after(async () => {
  scratch.dispose();
  await drill?.deletePlugin(PLUGIN).catch(() => undefined);
  await ssh?.close();
  if (proxy) await new Promise<void>((resolve) => proxy.close(() => resolve()));
  await drill?.close();
  await kinesis?.close();
  await moto?.close();
  restoreEnvironment?.();
  rmSync(bin, { recursive: true, force: true });
});

/** The CLI without blocking this process, whose kinesalite must keep answering. */
async function wshed(args: string[]): Promise<Run> {
  const started = scratch.start(args);
  // A generous bound, so a hang fails with what was printed instead of stalling the suite.
  const timer = setTimeout(() => started.child.kill('SIGKILL'), 4 * 60_000);
  try {
    return await started.done;
  } finally {
    clearTimeout(timer);
  }
}
async function ok(args: string[]): Promise<string> {
  const r = await wshed(args);
  assert.is(r.code, 0, `wshed ${args.join(' ')} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
  assert.not.match(r.stderr, /\n\s+at /, 'no stack trace');
  assert.not.match(r.stderr, /Stream of unknown length/, "no SDK warning (an empty object's upload without its length)");
  return r.stdout;
}

interface Order {
  readonly order_id: string;
  readonly status: string;
  readonly amount: number;
}
const order = (n: number, status: string): Order => ({ order_id: `o-${String(n).padStart(3, '0')}`, status, amount: n * 10 });
const entries = (orders: readonly Order[]) => orders.map((o) => ({ partitionKey: o.order_id, data: Buffer.from(JSON.stringify(o)) }));
// Archived during the run: 20 orders created, 10 of them then shipped (30 records, 20 keys).
const ARCHIVED = [...Array.from({ length: 20 }, (_, i) => order(i + 1, 'created')), ...Array.from({ length: 10 }, (_, i) => order(i + 1, 'shipped'))];
// Put after the run, so still live: 5 new orders and order 1 cancelled (6 records).
const LIVE = [...Array.from({ length: 5 }, (_, i) => order(i + 21, 'created')), order(1, 'cancelled')];

const queryRows = async (sql: string): Promise<Record<string, unknown>[]> => {
  const out = await ok(['query', 'aws-orders.wshed', sql, '--target', 'aws', '--conf', 'after.json', '--drill-url', proxyUrl, '--format', 'ndjson']);
  return out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
};


test('wshed run --target aws brings the orders pipeline up: every step, the archive, and the cluster terminated', async () => {
  await kinesis.streams.ensureStream('orders', 4, 168);
  await putAllRecords(kinesis.streams, 'orders', entries(ARCHIVED));
  const runOut = await ok(['run', 'aws-orders.wshed', '--target', 'aws', '--conf', 'test.json']);
  assert.match(runOut, /ssh\.tunnel: open for this run: drill on 127\.0\.0\.1:\d+/);
  assert.match(runOut, /archived 30 records of orders/);
  assert.match(runOut, /= query\.shipped_per_day: saved/);
  assert.match(runOut, /replay\.rebuild: replay rebuild \([0-9a-f-]{36}\): emitted 20 records/);
  const id = /launched cluster (j-\w+)/.exec(runOut)?.[1];
  assert.ok(id, runOut);
  assert.match(runOut, new RegExp(`emr\\.terminate: terminating cluster ${id}`));
});

test('the replay emits exactly the compacted, filtered, annotated set', async () => {
  // Compacted by key (order_id), the last record per key in arrival order; all within `since 30d ago`.
  const latest = new Map<string, Order>();
  for (const o of ARCHIVED) latest.set(o.order_id, o);
  const { records } = await readReplayed(kinesis.streams, 'orders_rebuilt');
  const sent = records.map((r) => ({ key: r.partitionKey, data: JSON.parse(r.data.toString('utf8')) as Record<string, unknown> }));
  assert.is(sent.length, latest.size, 'one record per order, each once');
  for (const { key, data } of sent) {
    const expected = latest.get(String(data.order_id));
    assert.ok(expected, `an order that was put: ${JSON.stringify(data)}`);
    assert.is(key, expected.order_id, 'the stream key (order_id) is the partition key');
    const { _wshed, ...fields } = data;
    assert.equal(fields, { ...expected, replay: true, overwrite: true }, 'the latest record of its order, annotated');
    assert.is((_wshed as { v?: number } | undefined)?.v, 2, 'with the replay metadata');
  }
  assert.equal(new Set(sent.map((s) => s.key)), new Set(latest.keys()));
});

test('every declared resource exists: the streams, the bucket, the Drill plugin on the real Drill, hive, the Hive tables', async () => {
  const orders = await kinesis.streams.describeStream('orders');
  const rebuilt = await kinesis.streams.describeStream('orders_rebuilt');
  assert.equal([orders?.openShards, orders?.retentionHours, rebuilt?.openShards], [4, 168, 4]);
  const s3 = createS3Client();
  await s3.send(new HeadBucketCommand({ Bucket: BUCKET }));
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'kinesis/orders/' }));
  s3.destroy();
  assert.ok((listed.Contents ?? []).some((o) => /\/dt=/.test(o.Key ?? '')), 'data files in the reservoir, hourly partitions');
  const plugin = (await (await fetch(`${drill.url}/storage/${PLUGIN}.json`)).json()) as { config?: { connection: string; workspaces: Record<string, unknown> } };
  assert.is(plugin.config?.connection, `s3a://${BUCKET}`);
  assert.ok(plugin.config?.workspaces.orders_archive, 'the reservoir workspace');
  assert.is((hivePlugin.config as { type?: string } | undefined)?.type, 'hive');
  assert.match(readFileSync(hiveLog, 'utf8'), /CREATE EXTERNAL TABLE/i);
  // The stream's view over Hive, answered by the stand-in (the only statement it answered).
  assert.equal(hiveStatements.map((q) => /VIEW (\S+) AS/.exec(q)?.[1]), [`\`${PLUGIN}\`.\`wshed_views\`.\`orders_stream\``]);
});

test('the unified view on Drill counts archived and live records once each', async () => {
  await putAllRecords(kinesis.streams, 'orders', entries(LIVE));
  const [all] = await queryRows('SELECT count(*) AS n FROM orders_archive');
  const [archived] = await queryRows('SELECT count(*) AS n FROM orders_archive_archived');
  const [live] = await queryRows('SELECT count(*) AS n FROM orders_archive_live');
  assert.equal([Number(all!.n), Number(archived!.n), Number(live!.n)], [36, 30, 6]);
  const [distinct] = await queryRows("SELECT count(DISTINCT concat(_shard_id, '/', _sequence_number)) AS n FROM orders_archive");
  assert.is(Number(distinct!.n), 36, 'no record counted twice');
  const shipped = await queryRows("SELECT count(*) AS n FROM orders_archive WHERE status = 'shipped'");
  assert.is(Number(shipped[0]!.n), 10);
});

test('the cluster is terminated at the end, and a second plan shows no changes', async () => {
  assert.match(await ok(['cluster', 'status', '--conf', 'test.json']), /no cluster of watershed/);
  const emr = new EMRClient({});
  const clusters = await emr.send(new ListClustersCommand({}));
  emr.destroy();
  assert.ok((clusters.Clusters ?? []).length > 0, 'the run launched a cluster');
  for (const c of clusters.Clusters ?? []) assert.match(c.Status?.State ?? '', /^TERMINAT/, `${c.Id}: ${c.Status?.State}`);
  const plan = await ok(['plan', 'aws-orders.wshed', '--target', 'aws', '--conf', 'test.json']);
  assert.match(plan, /No changes\./, plan);
});

test('a second run changes nothing already right and says so, and sends only what arrived since', async () => {
  const second = await ok(['run', 'aws-orders.wshed', '--target', 'aws', '--conf', 'test.json']);
  for (const id of ['stream.orders', 'stream.orders_rebuilt', 'reservoir.orders_archive']) assert.match(second, new RegExp(`(?:^|\\n)= ${id.replace('.', '\\.')}: exists`), second);
  assert.match(second, /archived 6 records of orders/, 'the live records put after the first run, each once');
  assert.match(second, /replay\.rebuild: replay rebuild \([0-9a-f-]{36}\): emitted 6 records[^\n]*brought up to date since run/);
  assert.match(second, /\n- emr\.terminate: terminating cluster j-\w+/);
  assert.match(second, /Run complete in [^:]+: [^\n]*\d+ unchanged/);
  // The stream now holds the first run's 20 and the 6 orders that changed since, the last of each order latest.
  const latest = new Map<string, Order>();
  for (const o of [...ARCHIVED, ...LIVE]) latest.set(o.order_id, o);
  const { records } = await readReplayed(kinesis.streams, 'orders_rebuilt');
  assert.is(records.length, 26);
  const last = new Map<string, Record<string, unknown>>();
  for (const r of records) last.set(r.partitionKey, JSON.parse(r.data.toString('utf8')) as Record<string, unknown>);
  for (const [key, o] of latest) {
    const { _wshed, ...fields } = last.get(key) ?? {};
    assert.equal(fields, { ...o, replay: true, overwrite: true }, `order ${key}: its latest record last`);
  }
});

test('a run killed right after launching the cluster converges when run again: the cluster is reused, nothing is sent twice, and it is terminated', async () => {
  const started = scratch.start(['run', 'aws-orders.wshed', '--target', 'aws', '--conf', 'test.json']);
  let printed = '';
  await new Promise<void>((resolve) => {
    started.child.stdout!.on('data', (c: Buffer) => {
      printed += c.toString('utf8');
      // A crash at the costliest moment: the cluster is up and nothing has terminated it.
      if (/launched cluster j-\w+/.test(printed)) {
        started.child.kill('SIGKILL');
        resolve();
      }
    });
    started.child.on('close', () => resolve());
  });
  const killed = await started.done;
  assert.is(killed.code, -1, `the run was killed, not finished:\n${killed.stdout}`);
  const id = /launched cluster (j-\w+)/.exec(killed.stdout)?.[1];
  assert.ok(id, killed.stdout);
  assert.match(await ok(['cluster', 'status', '--conf', 'test.json']), new RegExp(id), 'left running by the crash, and listed');

  const again = await ok(['run', 'aws-orders.wshed', '--target', 'aws', '--conf', 'test.json']);
  assert.match(again, new RegExp(`\\n= emr\\.cluster: cluster ${id} is already \\w+: reused`));
  assert.match(again, /archived 0 records of orders/);
  assert.match(again, /replay\.rebuild: replay rebuild: up to date: nothing entered its slice[^\n]*nothing sent/);
  assert.match(again, new RegExp(`\\n- emr\\.terminate: terminating cluster ${id}`));
  assert.match(await ok(['cluster', 'status', '--conf', 'test.json']), /no cluster of watershed/);
  assert.is((await readReplayed(kinesis.streams, 'orders_rebuilt')).records.length, 26, 'nothing sent twice');
});

test.run();
