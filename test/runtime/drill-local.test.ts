// Real Apache Drill (scripts/drill.sh, Drill from the Maven cache) reading a reservoir written in
// the record layout, on the local filesystem (`file` plugin) and on S3 (moto, through s3a), over
// its REST API: the facts the Drill engine relies on (docs/drill-rest.md).

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PutObjectCommand, CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { partitionPath } from '../../src/compiler/record-layout.ts';
import { dataFilePath, quarantineFilePath } from '../../src/runtime/reservoir/file-names.ts';
import { encodeUserRecord, type RecordMeta } from '../../src/runtime/reservoir/record-encoding.ts';
import { script, startTestDrill, type TestDrill } from './helpers/drill.ts';
import { startTestMoto, type TestMoto } from './helpers/moto.ts';

const test = suite('Drill, for real, on this machine');

// Kinesis sequence numbers are ~56 digits: no integer or decimal type holds them.
const SEQ = (n: number) => `4965698539109039053211854610844235871101028439006352${String(1000 + n)}`;

interface Put {
  readonly shard: number;
  readonly seq: number;
  readonly key: string;
  readonly at: string;
  readonly data: string;
}

const PUTS: Put[] = [
  { shard: 0, seq: 1, key: 'o-1', at: '2026-11-01T10:00:00.000Z', data: '{"order_id":"o-1","status":"open","total":12.5,"customer":{"region":"eu"}}' },
  { shard: 0, seq: 2, key: 'o-1', at: '2026-11-01T10:30:00.000Z', data: '{"order_id":"o-1","status":"shipped","total":12.5,"customer":{"region":"eu"}}' },
  { shard: 0, seq: 3, key: 'bad', at: '2026-11-01T10:40:00.000Z', data: 'not json' },
  { shard: 1, seq: 4, key: 'o-2', at: '2026-11-01T11:05:00.000Z', data: '{"order_id":"o-2","status":"open","total":150.25,"customer":{"region":"us"}}' },
  { shard: 1, seq: 5, key: 'o-3', at: '2026-11-02T09:00:00.000Z', data: '{"order_id":"o-3","status":"open","total":7.5,"customer":{"region":"eu"}}' },
];
const GOOD = PUTS.filter((p) => p.data.startsWith('{'));

let drill: TestDrill;
let moto: TestMoto | null = null;
let dir: string;
let reservoir: string;
const plugin = `wshed_test_${process.pid}_${Date.now()}`;
const s3Plugin = `${plugin}_s3`;

/** Writes the puts as the archiver does: one file per (partition, shard), lines from the one encoder. */
function writeReservoir(root: string): void {
  const files = new Map<string, string>();
  const groups = new Map<string, Put[]>();
  for (const p of PUTS) {
    const id = `${partitionPath('hourly', new Date(p.at))}|${p.shard}`;
    groups.set(id, [...(groups.get(id) ?? []), p]);
  }
  for (const [id, puts] of groups) {
    const partition = id.split('|')[0];
    const shardId = `shardId-00000000000${puts[0].shard}`;
    const range = { shardId, firstSequenceNumber: SEQ(puts[0].seq), lastSequenceNumber: SEQ(puts[puts.length - 1].seq) };
    for (const p of puts) {
      const meta: RecordMeta = { stream: 'orders', shardId, sequenceNumber: SEQ(p.seq), subSequenceNumber: 0, partitionKey: p.key, arrivalTime: p.at };
      const encoded = encodeUserRecord(meta, Buffer.from(p.data));
      const file = encoded.kind === 'record' ? dataFilePath(partition, range, 'json') : quarantineFilePath(partition, range);
      files.set(file, (files.get(file) ?? '') + encoded.line);
    }
  }
  // The store's bookkeeping, which no view may read.
  files.set('_wshed/checkpoint.json', '{"shards":{}}\n');
  for (const [rel, text] of files) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
}

function listFiles(root: string, rel = ''): string[] {
  return readdirSync(path.join(root, rel)).flatMap((name) => {
    const r = rel ? `${rel}/${name}` : name;
    return statSync(path.join(root, r)).isDirectory() ? listFiles(root, r) : [r];
  });
}

function filePlugin(connection: string, location: string, config?: Record<string, string>): Record<string, unknown> {
  return {
    type: 'file',
    enabled: true,
    connection,
    ...(config ? { config } : {}),
    workspaces: { lake: { location, writable: false, defaultInputFormat: null, allowAccessOutsideWorkspace: false } },
    formats: { json: { type: 'json', extensions: ['json'] } },
  };
}

function ok(r: { queryState: string; errorMessage?: string }): void {
  assert.is(r.queryState, 'COMPLETED', `query failed: ${r.errorMessage}`);
}

test.before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'wshed-drill-test-'));
  reservoir = path.join(dir, 'orders');
  writeReservoir(reservoir);
  const started = Date.now();
  drill = await startTestDrill();
  console.log(`  drill ${drill.startedHere ? 'started' : 'reused'} in ${((Date.now() - started) / 1000).toFixed(1)} s: ${drill.startLog.split('\n').join(' | ')}`);
  await drill.putPlugin(plugin, filePlugin('file:///', dir));
});

test.after(async () => {
  await drill?.deletePlugin(plugin).catch(() => {});
  await drill?.deletePlugin(s3Plugin).catch(() => {});
  await drill?.close();
  await moto?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('scripts/drill.sh: status says where it runs; start while it runs says so and exits 0', async () => {
  const status = await drill.script('status');
  assert.is(status.code, 0, status.out);
  assert.ok(status.out.includes(`running (pid `) && status.out.includes(drill.url), status.out);
  const again = await drill.script('start');
  assert.is(again.code, 0, again.out);
  assert.match(again.out, /already running \(pid \d+\) at http:\/\/127\.0\.0\.1:\d+/);
  assert.ok(again.out.includes(drill.url), again.out);
});

/** Local addresses (hex, as /proc/net/tcp* writes them) of the sockets a process listens on. */
function listeningAddresses(pid: number): string[] {
  const inodes = new Set(
    readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        return m ? [m[1]] : [];
      } catch {
        return [];
      }
    }),
  );
  return ['tcp', 'tcp6'].flatMap((f) =>
    readFileSync(`/proc/${pid}/net/${f}`, 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((cols) => cols.length > 9 && cols[3] === '0A' && inodes.has(cols[9]))
      .map((cols) => cols[1]),
  );
}

test('Drill listens on the loopback address only (REST and its RPC ports)', async () => {
  const status = await drill.script('status');
  const pid = Number(/pid (\d+)/.exec(status.out)?.[1]);
  const port = Number(new URL(drill.url).port);
  const addresses = listeningAddresses(pid);
  assert.ok(addresses.some((a) => parseInt(a.split(':')[1], 16) === port), `the REST port ${port} is among ${addresses.join(', ')}`);
  assert.ok(addresses.length >= 4, `REST, user, control and data ports: ${addresses.join(', ')}`);
  const loopback = (a: string) => /^(0100007F|0000000000000000FFFF00000100007F|00000000000000000000000001000000):/.test(a);
  assert.ok(addresses.every(loopback), `every listening socket is on 127.0.0.1: ${addresses.join(', ')}`);
});

test('scripts/drill.sh start --port on a busy port says so in one line, and leaves nothing running', async () => {
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  const port = (busy.address() as { port: number }).port;
  const home = mkdtempSync(path.join(os.tmpdir(), 'wshed-drill-busy-'));
  try {
    const env = { ...process.env, WSHED_HOME: home };
    const r = await script(['start', '--port', String(port)], env, 300_000);
    assert.is(r.code, 1, r.out);
    assert.ok(r.out.includes(`drill: port ${port} is already in use; choose another with --port N`), r.out);
    assert.not.match(r.out, /\n\s+at /, 'no stack trace');
    const status = await script(['status'], env, 30_000);
    assert.is(status.code, 1, status.out);
    const bad = await script(['start', '--port', 'eighty'], env, 30_000);
    assert.is(bad.code, 1);
    assert.is(bad.out.trim(), "drill: --port wants a TCP port number (1-65535), not 'eighty'");
  } finally {
    busy.close();
    rmSync(home, { recursive: true, force: true });
  }
});

test('Drill 1.22.0 runs, and reads every archived record of a local reservoir with its metadata', async () => {
  const v = await drill.query('SELECT version FROM sys.version');
  ok(v);
  assert.is(v.rows?.[0].version, '1.22.0');
  const r = await drill.query(
    `SELECT t.dir0, t.dir1, t.shard_id, t.sequence_number, t.partition_key, t.arrival_time, t.payload
     FROM \`${plugin}\`.\`lake\`.\`orders/dt=*/hour=*/*.json\` AS t ORDER BY t.arrival_time`,
  );
  ok(r);
  assert.equal(r.columns, ['dir0', 'dir1', 'shard_id', 'sequence_number', 'partition_key', 'arrival_time', 'payload']);
  assert.equal(
    r.rows,
    GOOD.map((p) => ({
      dir0: `dt=${p.at.slice(0, 10)}`,
      dir1: `hour=${p.at.slice(11, 13)}`,
      shard_id: `shardId-00000000000${p.shard}`,
      sequence_number: SEQ(p.seq),
      partition_key: p.key,
      arrival_time: p.at,
      payload: JSON.parse(p.data),
    })),
  );
});

test('dir0 is the literal dt=… text, so a bound prunes by comparing it as text', async () => {
  const r = await drill.query(
    `SELECT count(*) AS n FROM \`${plugin}\`.\`lake\`.\`orders\` AS t WHERE t.dir0 >= 'dt=2026-11-02' AND t.dir0 <= 'dt=2026-11-08'`,
  );
  ok(r);
  assert.is(r.rows?.[0].n, 1);
});

test('sequence numbers stay strings, digit for digit (VARCHAR, never a number)', async () => {
  const r = await drill.query(`SELECT t.sequence_number, sqlTypeOf(t.sequence_number) AS ty FROM \`${plugin}\`.\`lake\`.\`orders\` AS t`);
  ok(r);
  const seqs = (r.rows ?? []).map((row) => row.sequence_number).sort();
  assert.equal(seqs, GOOD.map((p) => SEQ(p.seq)).sort());
  assert.ok(seqs.every((s) => typeof s === 'string' && s.length === 56));
  assert.ok((r.rows ?? []).every((row) => row.ty === 'CHARACTER VARYING'));
});

test('the payload object reads as a map: its fields by path, and whole', async () => {
  const r = await drill.query(
    `SELECT sqlTypeOf(t.payload) AS ty, t.payload.customer.region AS region, t.payload.total AS total
     FROM \`${plugin}\`.\`lake\`.\`orders\` AS t WHERE t.partition_key = 'o-2'`,
  );
  ok(r);
  assert.equal(r.rows, [{ ty: 'STRUCT', region: 'us', total: 150.25 }]);
});

test('QUALIFY keeps the last record of each key (Drill 1.21.1+)', async () => {
  const r = await drill.query(
    `SELECT t.partition_key, t.payload.status AS status FROM \`${plugin}\`.\`lake\`.\`orders\` AS t
     QUALIFY ROW_NUMBER() OVER (PARTITION BY t.partition_key ORDER BY t.arrival_time DESC, LPAD(t.sequence_number, 64, '0') DESC) = 1
     ORDER BY t.partition_key`,
  );
  ok(r);
  assert.equal(r.rows, [
    { partition_key: 'o-1', status: 'shipped' },
    { partition_key: 'o-2', status: 'open' },
    { partition_key: 'o-3', status: 'open' },
  ]);
});

test('_quarantine/ and _wshed/ are skipped: the reservoir folder reads only archived records', async () => {
  assert.ok(listFiles(reservoir).some((f) => f.startsWith('_quarantine/')), 'the fixture has a quarantine file');
  const r = await drill.query(`SELECT count(*) AS n, count(t.payload.order_id) AS ids FROM \`${plugin}\`.\`lake\`.\`orders\` AS t`);
  ok(r);
  assert.equal(r.rows, [{ n: GOOD.length, ids: GOOD.length }]);
});

test('a failed query is HTTP 200 with queryState FAILED and Drill\'s message', async () => {
  const r = await drill.query(`SELECT t.nope FROM \`${plugin}\`.\`lake\`.\`no_such_reservoir\` AS t`);
  assert.is(r.queryState, 'FAILED');
  assert.match(r.errorMessage ?? '', /Object 'no_such_reservoir' not found/);
  const bad = await drill.query('SELEC 1');
  assert.is(bad.queryState, 'FAILED');
  assert.ok((bad.errorMessage ?? '').length > 0, 'a parse error carries a message');
});

test('the same reservoir on S3 (moto) reads through s3a with path-style access and no SSL', async () => {
  moto = await startTestMoto();
  const bucket = `wshed-drill-${process.pid}`;
  const s3 = new S3Client({
    endpoint: moto.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  for (const rel of listFiles(reservoir)) {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `lake/orders/${rel}`, Body: readFileSync(path.join(reservoir, rel)) }));
  }
  s3.destroy();
  await drill.putPlugin(
    s3Plugin,
    filePlugin(`s3a://${bucket}`, '/lake', {
      'fs.s3a.endpoint': moto.endpoint,
      'fs.s3a.endpoint.region': 'us-east-1',
      'fs.s3a.path.style.access': 'true',
      'fs.s3a.connection.ssl.enabled': 'false',
      'fs.s3a.aws.credentials.provider': 'org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider',
      'fs.s3a.access.key': 'testing',
      'fs.s3a.secret.key': 'testing',
    }),
  );
  const r = await drill.query(
    `SELECT t.dir0, t.sequence_number, t.payload FROM \`${s3Plugin}\`.\`lake\`.\`orders\` AS t ORDER BY t.arrival_time`,
  );
  ok(r);
  assert.equal(
    r.rows,
    GOOD.map((p) => ({ dir0: `dt=${p.at.slice(0, 10)}`, sequence_number: SEQ(p.seq), payload: JSON.parse(p.data) })),
  );
});

test.run();
