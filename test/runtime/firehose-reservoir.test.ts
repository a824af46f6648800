// A reservoir archived by Firehose, read as Firehose leaves it: objects named
// `part-<delivery stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<uuid>.json` in the partition folders,
// each line written by the Lambda's encoder (encodeUserRecord). moto's Firehose never delivers, so
// the test writes the objects itself. The unified view counts each record once: records both in a
// delivered object and still in the stream (Firehose keeps no checkpoint) are de-duplicated by
// (shard, sequence, sub-sequence).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { compile } from '../../src/compiler/compile.ts';
import type { Plan } from '../../src/compiler/plan/types.ts';
import { partitionPath } from '../../src/compiler/record-layout.ts';
import type { AwsTargetConfig } from '../../src/compiler/target-config.ts';
import { putAllRecords } from '../../src/runtime/kinesis/put-records.ts';
import { readShard } from '../../src/runtime/kinesis/shard-reader.ts';
import type { KinesisRecord } from '../../src/runtime/kinesis/stream-service.ts';
import { openDuckDbEngine } from '../../src/runtime/query/duckdb-engine.ts';
import { runQuery } from '../../src/runtime/query/run-query.ts';
import { isDataFile, parseFirehoseName, recordFileKind } from '../../src/runtime/reservoir/file-names.ts';
import { FsReservoirStore } from '../../src/runtime/reservoir/fs-store.ts';
import { firehoseLiveSince, FIREHOSE_DELIVERY_MARGIN_SECONDS } from '../../src/runtime/reservoir/live.ts';
import { encodeUserRecord } from '../../src/runtime/reservoir/record-encoding.ts';
import { defaultConfig, GOLDEN_NOW } from '../golden/harness.ts';
import { startTestKinesis, tempDir, type TempDir, type TestKinesis } from './helpers/local-kinesis.ts';

let kinesis: TestKinesis;
let dir: TempDir;
test.before(async () => {
  kinesis = await startTestKinesis();
});
test.after(async () => {
  await kinesis.close();
});
test.before.each(async () => {
  dir = await tempDir('wshed-firehose-');
});
test.after.each(async () => {
  await dir.remove();
});

let counter = 0;
const streamName = () => `fh_${process.pid}_${++counter}`;

function planFor(stream: string): Plan {
  const text = `stream ${stream} { shards 2 }\nreservoir clicks {\n  from stream ${stream}\n  at "s3://acme-lake/clicks"\n  partition hourly\n  archive via firehose buffer 64MB 60s\n}\n`;
  const config = { ...(defaultConfig('aws') as AwsTargetConfig), bucket: 'acme-lake' };
  const { plan, diagnostics } = compile({ path: 'clicks.wshed', text }, { config, now: GOLDEN_NOW });
  if (!plan) throw new Error(JSON.stringify(diagnostics));
  return plan;
}

/** Every record of the stream, with its shard, as Firehose's source would read them. */
async function readAll(stream: string): Promise<{ shardId: string; record: KinesisRecord }[]> {
  const out: { shardId: string; record: KinesisRecord }[] = [];
  for (const shard of await kinesis.streams.listShards(stream)) {
    for await (const page of readShard(kinesis.streams, stream, shard.shardId, { from: { kind: 'trim-horizon' } })) {
      for (const record of page.records) out.push({ shardId: shard.shardId, record });
    }
  }
  return out;
}

/** Writes records as one object Firehose would deliver, in the folder of each line's arrival hour. */
async function deliver(stream: string, records: readonly { shardId: string; record: KinesisRecord }[], options: { gzip?: boolean } = {}): Promise<string> {
  const lines = records.map(({ shardId, record }) =>
    encodeUserRecord(
      { stream, shardId, sequenceNumber: record.sequenceNumber, subSequenceNumber: 0, partitionKey: record.partitionKey, arrivalTime: record.arrivalTime.toISOString() },
      Buffer.from(record.data),
    ),
  );
  assert.ok(lines.every((l) => l.kind === 'record'));
  const folder = partitionPath('hourly', records[0].record.arrivalTime);
  const written = records[0].record.arrivalTime.toISOString().slice(0, 19).replace(/[T:]/g, '-');
  const name = `part-wshed-clicks-1-${written}-${randomUUID()}.json${options.gzip ? '.gz' : ''}`;
  const file = path.join(dir.path, folder, name);
  await fs.mkdir(path.dirname(file), { recursive: true });
  const body = Buffer.from(lines.map((l) => l.line).join(''));
  await fs.writeFile(file, options.gzip ? gzipSync(body) : body);
  return `${folder}/${name}`;
}

async function query(plan: Plan, sql: string): Promise<Record<string, unknown>[]> {
  let text = '';
  const out = new Writable({ write: (chunk: Buffer, _e, done) => ((text += chunk.toString('utf8')), done()) });
  const store = new FsReservoirStore(dir.path);
  await runQuery({
    plan,
    cwd: dir.path,
    streams: kinesis.streams,
    sql,
    format: 'ndjson',
    out,
    // The reservoir's S3 location, held in a folder here: the same store interface, read by DuckDB.
    runtime: { openSqlEngine: () => openDuckDbEngine({ threads: 2, memoryLimit: '512MB' }), store: () => store },
  });
  return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
}

test("Firehose's object names are record files, and say who wrote them, when, and how they are compressed", () => {
  const name = 'dt=2026-11-27/hour=09/part-wshed-orders_fh-3-2026-11-27-09-59-58-0f8fad5b-d9cb-469f-a165-70867728950e.json';
  assert.equal(parseFirehoseName(name), {
    deliveryStream: 'wshed-orders_fh',
    version: 3,
    writtenAt: '2026-11-27T09:59:58Z',
    id: '0f8fad5b-d9cb-469f-a165-70867728950e',
    extension: 'json',
    compression: null,
  });
  assert.ok(isDataFile(name));
  assert.equal(recordFileKind(`${name}.gz`), { extension: 'json', compression: 'gz', writer: 'firehose' });
  assert.ok(isDataFile('dt=2026-11-27/hour=09/part-shardId-000000000001-100-200.json'), "the archiver's names still are");
  assert.not.ok(isDataFile(`_quarantine/${name}`));
  assert.not.ok(isDataFile('dt=2026-11-27/hour=09/part-wshed-orders-1-2026-11-27-09-59-58-not-a-uuid.json'));
  assert.not.ok(isDataFile('_wshed/checkpoint.json'));
});

test('the live window of a Firehose reservoir covers its buffer interval and the delivery margin', () => {
  const now = new Date('2026-11-27T12:00:00.000Z');
  assert.is(firehoseLiveSince(300, now).toISOString(), new Date(now.getTime() - (300 + FIREHOSE_DELIVERY_MARGIN_SECONDS) * 1000).toISOString());
});

test('delivered objects and the stream together: every record once, archived or live, whichever holds it', async () => {
  const stream = streamName();
  await kinesis.streams.ensureStream(stream, 2, 24);
  await putAllRecords(kinesis.streams, stream, Array.from({ length: 30 }, (_, i) => ({ partitionKey: `k${i}`, data: Buffer.from(JSON.stringify({ id: i, region: i % 2 ? 'eu' : 'us' })) })));
  const all = await readAll(stream);
  assert.is(all.length, 30);
  // Two deliveries hold the first 20 records; the last 10 are not delivered yet.
  await deliver(stream, all.slice(0, 12));
  await deliver(stream, all.slice(12, 20));
  const plan = planFor(stream);

  const [counts] = await query(plan, 'SELECT (SELECT count(*) FROM clicks) AS unified, (SELECT count(*) FROM clicks_archived) AS archived, (SELECT count(*) FROM clicks_live) AS live');
  // Every record is still in the stream (live), 20 were delivered (archived); the union has each once.
  assert.equal(counts, { unified: 30, archived: 20, live: 30 });
  const ids = await query(plan, 'SELECT id, count(*) AS n FROM clicks GROUP BY id HAVING count(*) > 1');
  assert.equal(ids, []);
  const [sums] = await query(plan, 'SELECT sum(id) AS total, count(DISTINCT _sequence_number) AS sequences FROM clicks');
  assert.equal(sums, { total: (29 * 30) / 2, sequences: 30 });
});

test('a gzip-compressed delivery (.json.gz) reads as NDJSON', async () => {
  const stream = streamName();
  await kinesis.streams.ensureStream(stream, 1, 24);
  await putAllRecords(kinesis.streams, stream, Array.from({ length: 5 }, (_, i) => ({ partitionKey: `k${i}`, data: Buffer.from(JSON.stringify({ id: i })) })));
  const all = await readAll(stream);
  const key = await deliver(stream, all, { gzip: true });
  const engine = await openDuckDbEngine({ threads: 1, memoryLimit: '256MB' });
  try {
    const rows = await engine.rows(`SELECT count(*), sum((payload->>'id')::INT) FROM read_json('${path.join(dir.path, key)}', format = 'newline_delimited')`);
    assert.equal(rows.map((r) => r.map(Number)), [[5, 10]]);
  } finally {
    await engine.close();
  }
});

test.run();
