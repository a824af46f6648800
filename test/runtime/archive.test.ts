// What the archiver writes, on every store (a folder, and S3 on moto): records with their
// metadata, KPL aggregates, quarantine, reruns, Parquet, partitions.

import * as assert from 'uvu/assert';
import { DuckDBInstance } from '@duckdb/node-api';
import fs from 'node:fs/promises';
import path from 'node:path';
import { RECORD_COLUMNS, QUARANTINE_COLUMNS } from '../../src/compiler/record-layout.ts';
import { archiveReservoir } from '../../src/runtime/archive/archiver.ts';
import type { ArchiveProgress } from '../../src/runtime/archive/types.ts';
import { KplAggregator } from '../../src/runtime/kinesis/kpl.ts';
import { putAllRecords } from '../../src/runtime/kinesis/put-records.ts';
import { compareSequence } from '../../src/runtime/kinesis/sequence.ts';
import { readArchiveCheckpoint } from '../../src/runtime/reservoir/checkpoint.ts';
import { parseFileName } from '../../src/runtime/reservoir/file-names.ts';
import type { ReservoirStore } from '../../src/runtime/reservoir/store.ts';
import {
  archiveStep,
  jsonEntries,
  readReservoir,
  recordKey,
  tempDir,
  uniqueStream,
  withArrivalTimes,
  type TestKinesis,
} from './helpers/local-kinesis.ts';
import { storeKinds, storeSuite, type StoreKind, type TestReservoir } from './helpers/test-stores.ts';

let kinesis: TestKinesis;
let reservoir: TestReservoir;

function archiveSuite(kind: StoreKind): void {
  const test = storeSuite(`archive into the ${kind.name} store`, kind, { kinesis: (k) => (kinesis = k), reservoir: (r) => (reservoir = r) });

  test('archives every record once, with shard, sequence, partition key, arrival time and payload', async () => {
    const stream = uniqueStream();
    await kinesis.streams.ensureStream(stream, 2, 24);
    const entries = jsonEntries(3000);
    const put = await putAllRecords(kinesis.streams, stream, entries);
    const progress: ArchiveProgress[] = [];
    const result = await archiveReservoir(archiveStep('orders', stream, reservoir.location), { streams: kinesis.streams }, {
      maxRecordsPerFile: 500,
      pageSize: 700,
      onProgress: (p) => progress.push(p),
    });
    assert.is(result.records, 3000);
    assert.is(result.quarantined, 0);
    assert.is(result.shards, 2);
    assert.ok(result.files >= 6, `files ${result.files}`);
    assert.ok(result.bytes > 0);
    assert.is(Object.values(result.perShard).reduce((n, s) => n + s.records, 0), 3000);
    assert.ok(progress.length > 0 && progress[progress.length - 1].records === 3000);

    const contents = await readReservoir(reservoir.store());
    assert.is(contents.records.length, 3000);
    assert.is(contents.dataFiles.length, result.files);
    const bySequence = new Map(contents.records.map((r) => [`${r.shard_id}/${r.sequence_number}`, r]));
    put.forEach((p, i) => {
      const r = bySequence.get(`${p.shardId}/${p.sequenceNumber}`);
      assert.ok(r, `record ${i} missing`);
      assert.is(r!.stream, stream);
      assert.is(r!.sub_sequence_number, 0);
      assert.is(r!.partition_key, entries[i].partitionKey);
      assert.equal(r!.payload, JSON.parse(entries[i].data.toString()));
      assert.match(r!.arrival_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    });
    // Columns in the layout's order.
    assert.equal(Object.keys(contents.records[0]), RECORD_COLUMNS.map((c) => c.name));
    // A file's name says which shard and which sequence range it holds.
    const first = contents.dataFiles[0];
    const range = parseFileName(first)!;
    const text = (await reservoir.store().read(first))!.toString().trim().split('\n').map((l) => JSON.parse(l));
    assert.is(text[0].shard_id, range.shardId);
    assert.is(text[0].sequence_number, range.firstSequenceNumber);
    assert.is(text[text.length - 1].sequence_number, range.lastSequenceNumber);
    assert.match(first, /^dt=\d{4}-\d\d-\d\d\/hour=\d\d\/part-shardId-\d+-\d+-\d+\.json$/);

    const checkpoint = (await readArchiveCheckpoint(reservoir.store()))!;
    assert.equal(checkpoint.pending, {});
    assert.is(Object.values(checkpoint.shards).reduce((n, s) => n + s.records, 0), 3000);
  });

  test('KPL aggregates are archived as their user records; a file never splits an aggregate', async () => {
    const stream = uniqueStream();
    await kinesis.streams.ensureStream(stream, 1, 24);
    const aggregates = [];
    for (let a = 0; a < 20; a++) {
      const agg = new KplAggregator();
      for (let i = 0; i < 10; i++) agg.add(`user-${a}-${i}`, Buffer.from(JSON.stringify({ a, i })));
      const built = agg.flush()!;
      aggregates.push({ partitionKey: built.partitionKey, data: built.data });
    }
    const plain = jsonEntries(5);
    const put = await putAllRecords(kinesis.streams, stream, [...aggregates, ...plain]);
    const result = await archiveReservoir(archiveStep('agg', stream, reservoir.location), { streams: kinesis.streams }, { maxRecordsPerFile: 7 });
    assert.is(result.records, 205);
    const { records, dataFiles } = await readReservoir(reservoir.store());
    assert.is(records.length, 205);
    assert.is(new Set(records.map(recordKey)).size, 205);
    for (let a = 0; a < 20; a++) {
      const ofAggregate = records.filter((r) => r.sequence_number === put[a].sequenceNumber);
      assert.equal(ofAggregate.map((r) => r.sub_sequence_number).sort((x, y) => x - y), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      assert.equal(ofAggregate.map((r) => r.partition_key).sort(), Array.from({ length: 10 }, (_, i) => `user-${a}-${i}`).sort());
      assert.equal(ofAggregate.find((r) => r.sub_sequence_number === 3)!.payload, { a, i: 3 });
    }
    // 7 records per file, aggregates of 10 kept whole: one aggregate per file, then the plain ones.
    assert.is(dataFiles.length, 21);
  });

  test('records whose data is not JSON are quarantined with their raw bytes and the reason', async () => {
    const stream = uniqueStream();
    await kinesis.streams.ensureStream(stream, 1, 24);
    const aggregate = new KplAggregator();
    aggregate.add('good', Buffer.from('{"ok":true}'));
    aggregate.add('bad', Buffer.from('not json'));
    const entries = [
      { partitionKey: 'a', data: Buffer.from('{"ok":1}') },
      { partitionKey: 'b', data: Buffer.from('{"broken":') },
      { partitionKey: 'c', data: Buffer.from([0xff, 0xfe, 0x7b, 0x7d]) },
      { partitionKey: 'd', data: Buffer.from('{\n  "pretty": [1,\r\n 2]\n}') },
      { partitionKey: 'e', data: Buffer.from('12345678901234567890123') },
      { partitionKey: 'good', data: aggregate.flush()!.data },
    ];
    await putAllRecords(kinesis.streams, stream, entries);
    const result = await archiveReservoir(archiveStep('q', stream, reservoir.location), { streams: kinesis.streams });
    assert.is(result.records, 7);
    assert.is(result.quarantined, 3);
    const { records, quarantined, quarantineFiles } = await readReservoir(reservoir.store());
    assert.equal(records.map((r) => r.partition_key).sort(), ['a', 'd', 'e', 'good']);
    assert.equal(records.find((r) => r.partition_key === 'd')!.payload, { pretty: [1, 2] });
    assert.is(quarantined.length, 3);
    assert.equal(Object.keys(quarantined[0]), QUARANTINE_COLUMNS.map((c) => c.name));
    assert.match(quarantineFiles[0], /^_quarantine\/dt=\d{4}-\d\d-\d\d\/hour=\d\d\/part-shardId-/);
    const byKey = new Map(quarantined.map((q) => [q.partition_key, q]));
    assert.is(Buffer.from(byKey.get('b')!.raw_base64, 'base64').toString(), '{"broken":');
    assert.match(byKey.get('b')!.error, /not valid JSON/);
    assert.ok(Buffer.from(byKey.get('c')!.raw_base64, 'base64').equals(Buffer.from([0xff, 0xfe, 0x7b, 0x7d])));
    assert.match(byKey.get('c')!.error, /UTF-8/);
    assert.is(byKey.get('bad')!.sub_sequence_number, 1);
    // Big numbers keep every digit: the producer's JSON text is stored as sent.
    const text = (await readRaw(reservoir.store())).find((l) => l.includes('"partition_key":"e"'))!;
    assert.match(text, /"payload":12345678901234567890123\}/);
  });

  test('records of every size up to Kinesis’s limit, multi-byte text included, are archived byte for byte and in order', async () => {
    const stream = uniqueStream();
    await kinesis.streams.ensureStream(stream, 1, 24);
    // Lines far smaller and far larger than the writer's buffers, with 1-, 2-, 3- and 4-byte UTF-8.
    const texts = ['tiny', 'é'.repeat(150_000), '€'.repeat(250_000), '😀'.repeat(120_000), 'a'.repeat(900_000), 'x€😀é'.repeat(60_000)];
    const entries = texts.flatMap((text, i) => [
      { partitionKey: `p${i}`, data: Buffer.from(JSON.stringify({ i, text })) },
      { partitionKey: `s${i}`, data: Buffer.from(JSON.stringify({ i, small: true })) },
    ]);
    const binary = Buffer.alloc(700_000, 0xff);
    entries.splice(5, 0, { partitionKey: 'bin', data: binary });
    await putAllRecords(kinesis.streams, stream, entries);
    const result = await archiveReservoir(archiveStep('sizes', stream, reservoir.location), { streams: kinesis.streams }, { pageSize: 5 });
    assert.is(result.records, entries.length);
    assert.is(result.quarantined, 1);
    const { records, quarantined } = await readReservoir(reservoir.store());
    // In sequence order (a file per hour, should the test cross one).
    records.sort((a, b) => compareSequence(a.sequence_number, b.sequence_number));
    assert.equal(
      records.map((r) => r.payload),
      entries.filter((e) => e.partitionKey !== 'bin').map((e) => JSON.parse(e.data.toString())),
    );
    assert.ok(Buffer.from(quarantined[0].raw_base64, 'base64').equals(binary));
  });

  async function readRaw(store: ReservoirStore): Promise<string[]> {
    const lines: string[] = [];
    for await (const f of store.list()) {
      if (f.path.startsWith('dt=')) lines.push(...(await store.read(f.path))!.toString().split('\n').filter(Boolean));
    }
    return lines;
  }

  test('a rerun archives only the records that arrived since the checkpoint', async () => {
    const stream = uniqueStream();
    await kinesis.streams.ensureStream(stream, 2, 24);
    await putAllRecords(kinesis.streams, stream, jsonEntries(400));
    const step = archiveStep('resume', stream, reservoir.location);
    assert.is((await archiveReservoir(step, { streams: kinesis.streams })).records, 400);
    assert.is((await archiveReservoir(step, { streams: kinesis.streams })).records, 0);
    await putAllRecords(kinesis.streams, stream, jsonEntries(150, 400));
    const again = await archiveReservoir(step, { streams: kinesis.streams });
    assert.is(again.records, 150);
    const { records } = await readReservoir(reservoir.store());
    assert.is(records.length, 550);
    assert.is(new Set(records.map(recordKey)).size, 550);
    assert.equal(
      records.map((r) => (r.payload as { n: number }).n).sort((a, b) => a - b),
      Array.from({ length: 550 }, (_, i) => i),
    );
  });

  test('parquet reservoirs hold the same records, payload as JSON text, readable by DuckDB', async () => {
    const stream = uniqueStream();
    await kinesis.streams.ensureStream(stream, 2, 24);
    await putAllRecords(kinesis.streams, stream, [...jsonEntries(1000), { partitionKey: 'x', data: Buffer.from('nope') }]);
    const result = await archiveReservoir(archiveStep('pq', stream, reservoir.location, { format: 'parquet' }), { streams: kinesis.streams }, {
      maxRecordsPerFile: 300,
    });
    assert.is(result.records, 1001);
    assert.is(result.quarantined, 1);
    const { dataFiles, quarantineFiles } = await readReservoir(reservoir.store());
    assert.ok(dataFiles.every((f) => f.endsWith('.parquet')));
    assert.is(quarantineFiles.length, 1);
    // DuckDB reads local files here: the objects are copied out of the store first.
    const local = await tempDir();
    for (const f of dataFiles) {
      await fs.mkdir(path.join(local.path, path.dirname(f)), { recursive: true });
      await fs.writeFile(path.join(local.path, f), (await reservoir.store().read(f))!);
    }
    const db = await DuckDBInstance.create(':memory:');
    const connection = await db.connect();
    try {
      const glob = path.join(local.path, 'dt=*', 'hour=*', 'part-*.parquet');
      const reader = await connection.runAndReadAll(
        `SELECT count(*)::INTEGER AS n, count(DISTINCT shard_id || '/' || sequence_number)::INTEGER AS d,
                sum(CAST(json_extract(payload, '$.n') AS INTEGER))::BIGINT AS total,
                min(typeof(payload)) AS t, min(typeof(sub_sequence_number)) AS s
         FROM read_parquet('${glob}')`,
      );
      const [row] = reader.getRowObjectsJS();
      assert.is(row.n, 1000);
      assert.is(row.d, 1000);
      assert.is(row.total, BigInt((999 * 1000) / 2));
      assert.is(row.t, 'VARCHAR');
      assert.is(row.s, 'INTEGER');
      const columns = (await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${glob}', hive_partitioning = false)`)).getRowObjectsJS();
      assert.equal(columns.map((c) => c.column_name), RECORD_COLUMNS.map((c) => c.name));
    } finally {
      connection.closeSync();
      db.closeSync();
      await local.remove();
    }
  });

  test('files are partitioned by arrival time, hourly or daily, and a file never spans two partitions', async () => {
    const stream = uniqueStream();
    await kinesis.streams.ensureStream(stream, 1, 24);
    await putAllRecords(kinesis.streams, stream, jsonEntries(300));
    const base = Date.parse('2026-03-01T22:00:00.000Z');
    // Record n arrives n minutes after 22:00: 22h, 23h, then the next day 00h to 02h.
    const shifted = withArrivalTimes(kinesis.streams, (r) => new Date(base + JSON.parse(r.data.toString()).n * 60_000));
    const daily = await kind.fresh();
    try {
      await archiveReservoir(archiveStep('hourly', stream, reservoir.location), { streams: shifted });
      await archiveReservoir(archiveStep('daily', stream, daily.location, { partition: 'daily' }), { streams: shifted });
      const hourly = await readReservoir(reservoir.store());
      assert.equal(
        [...new Set(hourly.dataFiles.map((f) => path.dirname(f)))],
        ['dt=2026-03-01/hour=22', 'dt=2026-03-01/hour=23', 'dt=2026-03-02/hour=00', 'dt=2026-03-02/hour=01', 'dt=2026-03-02/hour=02'],
      );
      assert.is(hourly.records.length, 300);
      assert.is(hourly.records.find((r) => (r.payload as { n: number }).n === 61)!.arrival_time, '2026-03-01T23:01:00.000Z');
      const dailyFiles = (await readReservoir(daily.store())).dataFiles;
      assert.equal(dailyFiles.map((f) => path.dirname(f)), ['dt=2026-03-01', 'dt=2026-03-02']);
    } finally {
      await daily.remove();
    }
  });

  test.run();
}

for (const kind of storeKinds()) archiveSuite(kind);
