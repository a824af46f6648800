// The reservoir views on the real local Drill, bound by bindDrillViews over a reservoir the real
// archiver wrote from kinesalite: every record once in `<r>` (also one archived after the live
// snapshot was read), the live records past the checkpoint in `<r>_live`, DuckDB's columns, exact
// sequence numbers, no quarantine or `_wshed/` file in any view, snapshots that expire.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { compile } from '../../src/compiler/compile.ts';
import type { ArchiveStep, Plan, ReservoirViewsStep } from '../../src/compiler/plan/types.ts';
import { archiveReservoir } from '../../src/runtime/archive/archiver.ts';
import { expireLiveSnapshots, LIVE_SNAPSHOT_FILE, LIVE_SNAPSHOT_FOLDER, writeLiveSnapshot } from '../../src/runtime/drill/live-snapshot.ts';
import { bindDrillViews, type BoundDrillViews } from '../../src/runtime/drill/views.ts';
import { putAllRecords } from '../../src/runtime/kinesis/put-records.ts';
import { runQuery } from '../../src/runtime/query/run-query.ts';
import { FsReservoirStore } from '../../src/runtime/reservoir/fs-store.ts';
import { isRuntimeError } from '../../src/runtime/runtime-error.ts';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { AwsTargetConfig } from '../../src/compiler/target-config.ts';
import { createS3Client } from '../../src/runtime/aws/s3-client.ts';
import { openReservoirStore } from '../../src/runtime/reservoir/open-store.ts';
import { defaultConfig } from '../golden/harness.ts';
import { startTestDrill, type TestDrill } from './helpers/drill.ts';
import { startTestMoto, useEnvironment } from './helpers/moto.ts';
import { drillWorkspaces, type DrillWorkspaces } from './helpers/drill-views.ts';
import { archiveStep, readReservoir, recordKey, rejects, startTestKinesis, tempDir, type TempDir, type TestKinesis } from './helpers/local-kinesis.ts';

const test = suite('reservoir views on Drill');

let kinesis: TestKinesis;
let drill: TestDrill;
let dir: TempDir;
let ws: DrillWorkspaces | null = null;
let counter = 0;

test.before(async () => {
  kinesis = await startTestKinesis();
  drill = await startTestDrill();
});
test.after(async () => {
  await kinesis.close();
  await drill.close();
});
test.before.each(async () => {
  dir = await tempDir('wshed-drill-views-');
});
test.after.each(async () => {
  await ws?.close();
  ws = null;
  await dir.remove();
});

interface Fixture {
  readonly reservoir: string;
  readonly stream: string;
  readonly root: string;
  readonly plan: Plan;
  readonly step: ReservoirViewsStep;
  readonly archive: ArchiveStep;
  readonly store: FsReservoirStore;
}

/** A reservoir and its stream, named uniquely (the Drill plugin is shared), and the local plan over them. */
async function fixture(): Promise<Fixture> {
  const n = `${process.pid}_${++counter}`;
  const reservoir = `dv_${n}`;
  const stream = `dvs_${n}`;
  const root = path.join(dir.path, reservoir);
  await kinesis.streams.ensureStream(stream, 2, 24);
  const text = `stream ${stream} { shards 2 }\nreservoir ${reservoir} {\n  from stream ${stream}\n  at "${root}"\n  format json\n  partition hourly\n}\n`;
  const config = { target: 'local' as const, kinesisPort: 4567, home: '.wshed', duckdb: { threads: 2, memoryLimit: '512MB' }, replay: { shardBudgetFraction: 0.8, maxRetries: 5 } };
  const { plan, diagnostics } = compile({ path: 'test.wshed', text }, { config, now: new Date() });
  if (!plan) throw new Error(JSON.stringify(diagnostics));
  const step = plan.steps.find((s): s is ReservoirViewsStep => s.kind === 'reservoir-views')!;
  const archive = plan.steps.find((s): s is ArchiveStep => s.kind === 'archive')!;
  ws = await drillWorkspaces(drill, 'wshed', { [reservoir]: root });
  return { reservoir, stream, root, plan, step, archive, store: new FsReservoirStore(root) };
}

// Integers and fractions in one field (Drill nulls such a field without all_text_mode), nested objects, lists.
const order = (n: number) => ({
  order_id: n,
  customer: { id: `c-${n % 7}`, region: ['eu', 'us', 'ap'][n % 3] },
  status: n % 4 === 0 ? 'cancelled' : 'open',
  total: n * 1.5,
  paid: n % 2 === 0,
  items: [{ sku: `s-${n % 5}`, qty: 1 + (n % 2) }],
});
const entries = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => ({ partitionKey: `k${from + i}`, data: Buffer.from(JSON.stringify(order(from + i))) }));

async function bind(f: Fixture, wanted = true): Promise<BoundDrillViews> {
  return bindDrillViews(ws!.session, { views: f.step, archive: f.archive, store: f.store, streams: kinesis.streams, wanted, viewsWorkspace: ws!.views });
}

async function count(view: string): Promise<number> {
  const { rows } = await ws!.session.query(`SELECT COUNT(*) AS n FROM \`${view}\``);
  return Number(rows[0]!.n);
}

test('a record archived after the live snapshot was read still counts once in the unified view', async () => {
  const f = await fixture();
  await putAllRecords(kinesis.streams, f.stream, entries(0, 300));
  await archiveReservoir(archiveStep(f.reservoir, f.stream, f.root), { streams: kinesis.streams });
  await putAllRecords(kinesis.streams, f.stream, entries(300, 420));

  const bound = await bind(f);
  assert.is(bound.snapshot?.records, 120);
  assert.ok(existsSync(path.join(f.root, bound.snapshot!.folder, LIVE_SNAPSHOT_FILE)), 'the snapshot is a file under _wshed/live/<id>/');
  // The archiver catches up between the snapshot and the query: the 120 live records are now in files too.
  await archiveReservoir(archiveStep(f.reservoir, f.stream, f.root), { streams: kinesis.streams });

  assert.is(await count(f.reservoir), 420);
  assert.is(await count(`${f.reservoir}_archived`), 420);
  assert.is(await count(`${f.reservoir}_live`), 120);
  const { rows } = await ws!.session.query(
    `SELECT COUNT(*) AS n FROM (SELECT DISTINCT _shard_id, _sequence_number, _sub_sequence_number FROM \`${f.reservoir}\`) AS d`,
  );
  assert.is(Number(rows[0]!.n), 420, 'each (shard, sequence, sub-sequence) once');
  // The payload survives the archive + live union (a Drill UNION ALL of maps returns `{}`).
  const sums = await ws!.session.query(
    `SELECT SUM(t.order_id) AS ids, COUNT(t.payload.customer.region) AS regions, COUNT(t.status) AS statuses FROM \`${f.reservoir}\` AS t`,
  );
  assert.equal(sums.rows[0], { ids: (419 * 420) / 2, regions: 420, statuses: 420 });
});

test('the views have DuckDB\'s columns, exact sequence numbers and typed payload fields', async () => {
  const f = await fixture();
  await putAllRecords(kinesis.streams, f.stream, entries(0, 40));
  await archiveReservoir(archiveStep(f.reservoir, f.stream, f.root), { streams: kinesis.streams });
  await putAllRecords(kinesis.streams, f.stream, entries(40, 50));
  await bind(f);

  let text = '';
  const out = new Writable({ write: (chunk: Buffer, _e, done) => ((text += chunk.toString('utf8')), done()) });
  const duck = await runQuery({ plan: f.plan, cwd: dir.path, streams: kinesis.streams, sql: `SELECT * FROM ${f.reservoir} LIMIT 1`, format: 'ndjson', out });
  for (const view of [f.reservoir, `${f.reservoir}_archived`, `${f.reservoir}_live`]) {
    const { columns } = await ws!.session.query(`SELECT * FROM \`${view}\` LIMIT 1`);
    assert.equal(columns, duck.columns, view);
  }

  const archived = (await readReservoir(f.root)).records;
  const bySeq = new Map(archived.map((r) => [recordKey(r), r]));
  const { rows } = await ws!.session.query(
    `SELECT _shard_id, _sequence_number, _sub_sequence_number, total, paid, status, order_id FROM \`${f.reservoir}_archived\``,
  );
  assert.is(rows.length, 40);
  for (const row of rows) {
    const r = bySeq.get(recordKey({ shard_id: String(row._shard_id), sequence_number: String(row._sequence_number), sub_sequence_number: Number(row._sub_sequence_number) }));
    assert.ok(r, `Drill's sequence number ${String(row._sequence_number)} is one the archiver wrote, digit for digit`);
    const payload = r!.payload as ReturnType<typeof order>;
    assert.is(row.total, payload.total);
    assert.is(row.paid, payload.paid);
    assert.is(row.status, payload.status);
    assert.is(row.order_id, payload.order_id);
  }
});

test('quarantined records and the store\'s own files are in no view', async () => {
  const f = await fixture();
  await putAllRecords(kinesis.streams, f.stream, [...entries(0, 10), { partitionKey: 'bad', data: Buffer.from('not json') }]);
  await archiveReservoir(archiveStep(f.reservoir, f.stream, f.root), { streams: kinesis.streams });
  const contents = await readReservoir(f.root);
  assert.is(contents.quarantined.length, 1, 'the archiver quarantined the record that is not JSON');
  // A second bind leaves a first snapshot behind (it expires by age): still each record once.
  await putAllRecords(kinesis.streams, f.stream, entries(10, 15));
  await bind(f);
  const bound = await bind(f);
  assert.is(bound.snapshot?.records, 5);
  assert.is(await count(`${f.reservoir}_archived`), 10);
  assert.is(await count(f.reservoir), 15);
  assert.is(await count(`${f.reservoir}_live`), 5);
});

test('a query of the archive only reads no stream and writes no snapshot; snapshots expire by age', async () => {
  const f = await fixture();
  await putAllRecords(kinesis.streams, f.stream, entries(0, 10));
  await archiveReservoir(archiveStep(f.reservoir, f.stream, f.root), { streams: kinesis.streams });
  await putAllRecords(kinesis.streams, f.stream, entries(10, 12));
  const archivedOnly = await bind(f, false);
  assert.is(archivedOnly.snapshot, null);
  // Empty, with the columns of one archived file: not a plan over the whole glob.
  const empty = archivedOnly.created.get(`wshed_live_${f.reservoir}`) ?? '';
  assert.match(empty, /\.json` AS `wshed_v_[0-9a-f]+` LIMIT 0$/);
  assert.not.match(empty, 'dt=*', 'the empty live relation names one file, not the glob');
  assert.is(await count(`${f.reservoir}_live`), 0);
  assert.is(await count(f.reservoir), 10);

  const bound = await bind(f);
  // A replay's own snapshot: it may stream it for hours, so only a week-old one is cleared.
  const replay = await writeLiveSnapshot(f.store, kinesis.streams, { stream: f.stream, checkpoint: null, use: 'replay' });
  const made = Date.now();
  assert.is(await expireLiveSnapshots(f.store, made + 60_000), 0, 'a fresh snapshot is kept');
  assert.is(await expireLiveSnapshots(f.store, made + 2 * 3600_000), 1);
  assert.not.ok(existsSync(path.join(f.root, bound.snapshot!.folder, LIVE_SNAPSHOT_FILE)));
  assert.ok(existsSync(path.join(f.root, replay.folder, LIVE_SNAPSHOT_FILE)), 'the replay\'s snapshot outlives a query\'s');
  assert.is(await expireLiveSnapshots(f.store, made + 8 * 24 * 3600_000), 1);
  assert.not.ok(existsSync(path.join(f.root, replay.folder, LIVE_SNAPSHOT_FILE)));
});

test('binding again replaces only what changed: views Drill already holds as made are kept, one replaced by someone else is made again', async () => {
  const f = await fixture();
  await putAllRecords(kinesis.streams, f.stream, entries(0, 20));
  await archiveReservoir(archiveStep(f.reservoir, f.stream, f.root), { streams: kinesis.streams });
  const all = [`wshed_live_${f.reservoir}`, f.reservoir, `${f.reservoir}_archived`, `${f.reservoir}_live`].sort();
  const first = await bind(f, false);
  assert.equal([...first.created.keys()].sort(), all);
  const again = await bind(f, false);
  assert.equal([...again.created.keys()], [], 'nothing changed: no view is planned again');
  assert.equal([...again.kept].sort(), all);
  assert.is(await count(`${f.reservoir}_archived`), 20);

  await ws!.session.exec(`CREATE OR REPLACE VIEW \`${f.reservoir}_archived\` AS SELECT 1 AS x FROM (VALUES(1))`);
  const repaired = await bind(f, false);
  assert.equal([...repaired.created.keys()], [`${f.reservoir}_archived`]);
  assert.is(await count(`${f.reservoir}_archived`), 20);

  // Live records: the live relation is bound to each new snapshot; the views over it stay.
  await putAllRecords(kinesis.streams, f.stream, entries(20, 25));
  const live = await bind(f);
  assert.equal([...live.created.keys()], [`wshed_live_${f.reservoir}`]);
  assert.is(await count(f.reservoir), 25);
  assert.is(await count(`${f.reservoir}_live`), 5);
  const next = await bind(f);
  assert.equal([...next.created.keys()], [`wshed_live_${f.reservoir}`], 'a new snapshot is a new live relation');
  assert.is(await count(f.reservoir), 25);

  // A payload key the views have no column for yet: their SQL changes, so they are made again.
  await putAllRecords(kinesis.streams, f.stream, [{ partitionKey: 'new', data: Buffer.from(JSON.stringify({ ...order(25), coupon: 'X1' })) }]);
  await archiveReservoir(archiveStep(f.reservoir, f.stream, f.root), { streams: kinesis.streams });
  const widened = await bind(f, false);
  assert.ok(widened.created.has(`${f.reservoir}_archived`), [...widened.created.keys()].join(', '));
  const { rows } = await ws!.session.query(`SELECT COUNT(coupon) AS n FROM \`${f.reservoir}_archived\``);
  assert.is(Number(rows[0]!.n), 1);
});

test('the check made before changes (the query planned) runs before the stream is read or a view replaced, and not at all when there is nothing to change', async () => {
  const f = await fixture();
  await putAllRecords(kinesis.streams, f.stream, entries(0, 10));
  await archiveReservoir(archiveStep(f.reservoir, f.stream, f.root), { streams: kinesis.streams });
  await putAllRecords(kinesis.streams, f.stream, entries(10, 12));
  let checks = 0;
  const request = (wanted: boolean, beforeChanges: () => Promise<void>) => ({ views: f.step, archive: f.archive, store: f.store, streams: kinesis.streams, wanted, viewsWorkspace: ws!.views, beforeChanges });
  const refused = await rejects(() => bindDrillViews(ws!.session, request(true, () => Promise.reject(new Error('a typo')))));
  assert.match(refused.message, 'a typo');
  assert.not.ok(existsSync(path.join(f.root, LIVE_SNAPSHOT_FOLDER)), 'no live record was read');
  const made = await bindDrillViews(ws!.session, request(false, async () => void checks++));
  assert.is(checks, 1);
  assert.is(made.created.size, 4);
  const current = await bindDrillViews(ws!.session, request(false, async () => void checks++));
  assert.is(checks, 1, 'views current and no live read: nothing to protect');
  assert.is(current.created.size, 0);
  await bindDrillViews(ws!.session, request(true, async () => void checks++));
  assert.is(checks, 2, 'a live read is checked for');
});

test('a reservoir with no archived file yet is a clear error, not a Drill trace', async () => {
  const f = await fixture();
  await putAllRecords(kinesis.streams, f.stream, entries(0, 3));
  const err = await rejects(() => bind(f));
  assert.ok(isRuntimeError(err, 'WS860'), String(err));
  assert.match(err.message, f.reservoir);
});

test('on S3 (moto, through s3a): the snapshot goes through the S3 store and the views count each record once', async () => {
  const moto = await startTestMoto();
  const restore = useEnvironment(moto.env);
  const n = `${process.pid}_${++counter}`;
  const bucket = `wshed-dv-${process.pid}-${counter}`;
  const reservoir = `dv3_${n}`;
  const stream = `dv3s_${n}`;
  const plugin = `wshed_dv_s3_${n}`;
  let s3ws: DrillWorkspaces | null = null;
  try {
    const s3 = createS3Client();
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    // Drill accepts an S3 workspace only where some object is: a folder exists once something is in it.
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'views/.keep', Body: '' }));
    s3.destroy();
    const location = { kind: 's3' as const, bucket, prefix: `lake/${reservoir}` };
    await kinesis.streams.ensureStream(stream, 2, 24);
    const text = `stream ${stream} { shards 2 }\nreservoir ${reservoir} {\n  from stream ${stream}\n  at "s3://${bucket}/lake/${reservoir}"\n  archive via archiver every 1h\n}\n`;
    const aws = defaultConfig('aws') as AwsTargetConfig;
    const config = { ...aws, bucket, drill: { ...aws.drill, storagePlugin: plugin } };
    const { plan, diagnostics } = compile({ path: 'test.wshed', text }, { config, now: new Date() });
    if (!plan) throw new Error(JSON.stringify(diagnostics));
    const step = plan.steps.find((s): s is ReservoirViewsStep => s.kind === 'reservoir-views')!;
    const archive = plan.steps.find((s): s is ArchiveStep => s.kind === 'archive')!;
    await putAllRecords(kinesis.streams, stream, entries(0, 30));
    await archiveReservoir(archiveStep(reservoir, stream, location), { streams: kinesis.streams });
    await putAllRecords(kinesis.streams, stream, entries(30, 42));

    s3ws = await drillWorkspaces(drill, plugin, { [reservoir]: `/lake/${reservoir}` }, {
      connection: `s3a://${bucket}`,
      config: {
        'fs.s3a.endpoint': moto.endpoint,
        'fs.s3a.endpoint.region': 'us-east-1',
        'fs.s3a.path.style.access': 'true',
        'fs.s3a.connection.ssl.enabled': 'false',
        'fs.s3a.aws.credentials.provider': 'org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider',
        'fs.s3a.access.key': 'testing',
        'fs.s3a.secret.key': 'testing',
      },
      viewsLocation: '/views',
    });
    const store = openReservoirStore(reservoir, location);
    const bound = await bindDrillViews(s3ws.session, { views: step, archive, store, streams: kinesis.streams, wanted: true, viewsWorkspace: s3ws.views });
    assert.is(bound.snapshot?.records, 12);
    assert.ok(await store.exists(`${bound.snapshot!.folder}/${LIVE_SNAPSHOT_FILE}`), 'the snapshot is an object under _wshed/live/<id>/');
    await archiveReservoir(archiveStep(reservoir, stream, location), { streams: kinesis.streams });
    const q = async (sql: string) => Number((await s3ws!.session.query(sql)).rows[0]!.n);
    assert.is(await q(`SELECT COUNT(*) AS n FROM \`${reservoir}\``), 42);
    assert.is(await q(`SELECT COUNT(*) AS n FROM \`${reservoir}_archived\``), 42);
    assert.is(await q(`SELECT COUNT(*) AS n FROM \`${reservoir}_live\``), 12);
  } finally {
    await s3ws?.close();
    restore();
    await moto.close();
  }
});

test.run();
