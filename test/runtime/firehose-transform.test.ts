// The Firehose transformation Lambda, as built (dist/lambda/firehose-transform.mjs), held against
// the archiver: the same Kinesis records archived either way give the same lines in the same
// folders (KPL sub-records, non-JSON, invalid UTF-8, lone surrogates, repeated keys, both sides of
// an hour boundary). The handler gets events of the documented shape (Kinesis Data Streams source).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs/promises';
import path from 'node:path';
import { isBuiltin } from 'node:module';
import { pathToFileURL } from 'node:url';
import { firehosePrefix } from '../../src/compiler/plan/s3-layout.ts';
import type { PartitionScheme } from '../../src/compiler/record-layout.ts';
import { archiveReservoir } from '../../src/runtime/archive/archiver.ts';
import { deaggregate, KplAggregator } from '../../src/runtime/kinesis/kpl.ts';
import { putAllRecords } from '../../src/runtime/kinesis/put-records.ts';
import type { StreamService } from '../../src/runtime/kinesis/stream-service.ts';
import type { FirehoseEventRecord, FirehoseResultRecord, FirehoseTransformEvent } from '../../src/lambda/firehose-transform.ts';
import { archiveStep, startTestKinesis, tempDir, uniqueStream, withArrivalTimes, type TestKinesis } from './helpers/local-kinesis.ts';

const BUILT = path.resolve('dist/lambda/firehose-transform.mjs');

type Handler = (event: FirehoseTransformEvent) => Promise<{ records: FirehoseResultRecord[] }>;

async function builtHandler(env: Record<string, string>): Promise<Handler> {
  await fs.access(BUILT).catch(() => {
    throw new Error(`${BUILT} is missing: run npm run build`);
  });
  const mod = (await import(pathToFileURL(BUILT).href)) as { handler: Handler };
  // The function reads its settings from its environment at each invocation, as on Lambda.
  return async (event) => {
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      return await mod.handler(event);
    } finally {
      for (const k of Object.keys(env)) if (saved[k] === undefined) delete process.env[k];
      Object.assign(process.env, saved);
    }
  };
}

let kinesis: TestKinesis;
test.before(async () => {
  kinesis = await startTestKinesis();
});
test.after(async () => {
  await kinesis.close();
});

/** The producer's records: every kind of data the archiver treats specially. */
function producerRecords(): { partitionKey: string; data: Buffer }[] {
  const plain = [
    { partitionKey: 'a', data: Buffer.from('{"order_id":1,"status":"open","total":12.50}') },
    { partitionKey: 'b', data: Buffer.from('{"n":1,"n":2,"big":123456789012345678901234567890}') },
    { partitionKey: 'c', data: Buffer.from('not json at all') },
    { partitionKey: 'd', data: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]) },
    { partitionKey: 'e', data: Buffer.from('{"s":"\\ud800 lone"}') },
    { partitionKey: 'f', data: Buffer.from('{"multi":\n"line",\r\n"x":[1,2]}') },
    { partitionKey: 'g', data: Buffer.from('[1,2,3]') },
    { partitionKey: 'h', data: Buffer.from('"\u00e9t\u00e9 \ud83c\udf0a"') },
    // A lone surrogate in the partition key (the Kinesis API accepts one): quarantined too.
    { partitionKey: 'i\ud800', data: Buffer.from('{"ok":true}') },
  ];
  const aggregates = [];
  for (let a = 0; a < 3; a++) {
    const agg = new KplAggregator();
    for (let i = 0; i < 5; i++) {
      const data = i === 3 ? Buffer.from(`sub-record ${a}.${i} is not JSON`) : Buffer.from(JSON.stringify({ a, i, dup: 0 }).replace('}', ',"dup":1}'));
      agg.add(`kpl-${a}-${i}`, data);
    }
    const built = agg.flush()!;
    aggregates.push({ partitionKey: built.partitionKey, data: built.data });
  }
  return [...plain, ...aggregates, ...plain.map((p) => ({ ...p, partitionKey: `${p.partitionKey}2` }))];
}

/** Records alternate either side of 11:00 UTC: 10:59:59.999 and 11:00:00.000. */
function straddlingHour(streams: StreamService): StreamService {
  let n = 0;
  const seen = new Map<string, Date>();
  return withArrivalTimes(streams, (r) => {
    const key = r.sequenceNumber;
    if (!seen.has(key)) seen.set(key, new Date(n++ % 2 === 0 ? Date.UTC(2026, 10, 30, 10, 59, 59, 999) : Date.UTC(2026, 10, 30, 11, 0, 0, 0)));
    return seen.get(key)!;
  });
}

/** Every record of the stream as Firehose hands it to the Lambda (it de-aggregates KPL records). */
async function firehoseEvent(streams: StreamService, stream: string): Promise<FirehoseTransformEvent> {
  const records: FirehoseEventRecord[] = [];
  for (const shard of await streams.listShards(stream)) {
    let iterator: string | null = await streams.shardIterator(stream, shard.shardId, { type: 'TRIM_HORIZON' } as never);
    while (iterator) {
      const page = await streams.getRecords(iterator);
      for (const r of page.records) {
        const unpacked = deaggregate(r);
        if (!unpacked.ok) throw new Error(unpacked.error);
        for (const user of unpacked.records) {
          const id = records.length;
          records.push({
            recordId: `r${id}`,
            approximateArrivalTimestamp: r.arrivalTime.getTime() + 5,
            data: user.data.toString('base64'),
            kinesisRecordMetadata: {
              shardId: shard.shardId,
              partitionKey: user.partitionKey,
              approximateArrivalTimestamp: r.arrivalTime.getTime(),
              sequenceNumber: r.sequenceNumber,
              // Both spellings occur: a string (the documentation) and a number.
              subsequenceNumber: id % 2 === 0 ? String(user.subSequenceNumber) : user.subSequenceNumber,
            },
          });
        }
      }
      if (page.records.length === 0 && page.millisBehindLatest === 0) break;
      iterator = page.nextIterator;
    }
  }
  return {
    invocationId: 'test-invocation',
    deliveryStreamArn: `arn:aws:firehose:us-east-1:123456789012:deliverystream/wshed-${stream}`,
    sourceKinesisStreamArn: `arn:aws:kinesis:us-east-1:123456789012:stream/${stream}`,
    region: 'us-east-1',
    records,
  };
}

/** The folder Firehose makes of the step's prefix expression and a record's partition keys. */
function objectFolder(prefix: string, keys: Readonly<Record<string, string>>): string {
  const key = prefix.replace(/!\{partitionKeyFromLambda:(\w+)\}/g, (_, name: string) => {
    const value = keys[name];
    if (value === undefined) throw new Error(`partition key ${name} missing`);
    return value;
  });
  return key.slice(0, key.lastIndexOf('/'));
}

/** Folder → sorted lines, of every file under `root`. */
async function linesByFolder(root: string): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const entry of await fs.readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.startsWith('part-')) continue;
    const folder = path.relative(root, entry.parentPath);
    const text = await fs.readFile(path.join(entry.parentPath, entry.name), 'utf8');
    out.set(folder, [...(out.get(folder) ?? []), ...text.split(/(?<=\n)/)]);
  }
  for (const lines of out.values()) lines.sort();
  return out;
}

for (const partition of ['hourly', 'daily'] as PartitionScheme[]) {
  test(`the Lambda and the archiver write the same lines into the same folders (${partition})`, async () => {
    const dir = await tempDir();
    try {
      const stream = uniqueStream('fh');
      await kinesis.streams.ensureStream(stream, 2, 24);
      await putAllRecords(kinesis.streams, stream, producerRecords());
      const streams = straddlingHour(kinesis.streams);

      const archived = path.join(dir.path, 'archived');
      await archiveReservoir(archiveStep('orders', stream, archived, { partition }), { streams });
      const expected = await linesByFolder(archived);

      const handler = await builtHandler({ WSHED_STREAM: stream, WSHED_PARTITION: partition, WSHED_FORMAT: 'json' });
      const event = await firehoseEvent(streams, stream);
      const result = await handler(event);
      assert.is(result.records.length, event.records.length);
      const prefix = firehosePrefix('', partition);
      const actual = new Map<string, string[]>();
      for (const [i, r] of result.records.entries()) {
        assert.is(r.recordId, event.records[i].recordId);
        assert.is(r.result, 'Ok');
        const folder = objectFolder(prefix, r.metadata!.partitionKeys);
        actual.set(folder, [...(actual.get(folder) ?? []), Buffer.from(r.data, 'base64').toString('utf8')]);
      }
      for (const lines of actual.values()) lines.sort();

      const folders = partition === 'hourly'
        ? ['_quarantine/dt=2026-11-30/hour=10', '_quarantine/dt=2026-11-30/hour=11', 'dt=2026-11-30/hour=10', 'dt=2026-11-30/hour=11']
        : ['_quarantine/dt=2026-11-30', 'dt=2026-11-30'];
      assert.equal([...expected.keys()].sort(), folders);
      assert.equal([...actual.keys()].sort(), folders);
      for (const f of folders) assert.equal(actual.get(f), expected.get(f), `folder ${f}`);
      // What the comparison covered: 18 plain records and 15 KPL sub-records; 8 + 3 quarantined.
      const all = [...actual.values()].flat();
      assert.is(all.length, 33);
      assert.is([...actual.entries()].filter(([f]) => f.startsWith('_quarantine')).flatMap(([, l]) => l).length, 11);
      assert.ok(all.some((l) => l.includes('"sub_sequence_number":4')));
    } finally {
      await dir.remove();
    }
  });
}

test('a documented event: the line, its partition keys, and records Firehose cannot place', async () => {
  const handler = await builtHandler({ WSHED_STREAM: 'orders', WSHED_PARTITION: 'hourly', WSHED_FORMAT: 'json' });
  const arrival = Date.UTC(2026, 10, 30, 23, 59, 59, 999);
  const data = Buffer.from('{"order_id":7}').toString('base64');
  const result = await handler({
    invocationId: 'inv',
    deliveryStreamArn: 'arn:aws:firehose:us-east-1:123456789012:deliverystream/wshed-orders',
    sourceKinesisStreamArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/orders',
    region: 'us-east-1',
    records: [
      {
        recordId: '1',
        approximateArrivalTimestamp: arrival + 20,
        data,
        kinesisRecordMetadata: { shardId: 'shardId-000000000003', partitionKey: 'pk', approximateArrivalTimestamp: arrival, sequenceNumber: '49590338271490256608559692538361571095921575989136588898', subsequenceNumber: '' },
      },
      // Direct PUT: no shard, no sequence number, so no record-layout line.
      { recordId: '2', approximateArrivalTimestamp: arrival, data },
    ],
  });
  assert.equal(result.records[0], {
    recordId: '1',
    result: 'Ok',
    data: Buffer.from(
      '{"stream":"orders","shard_id":"shardId-000000000003","sequence_number":"49590338271490256608559692538361571095921575989136588898","sub_sequence_number":0,"partition_key":"pk","arrival_time":"2026-11-30T23:59:59.999Z","payload":{"order_id":7}}\n',
    ).toString('base64'),
    metadata: { partitionKeys: { area: 'dt', dt: '2026-11-30', hour: '23' } },
  });
  assert.equal(result.records[1], { recordId: '2', result: 'ProcessingFailed', data });
});

test('Parquet: the payload is JSON text for format conversion; non-JSON goes to the error output byte-exact', async () => {
  const handler = await builtHandler({ WSHED_STREAM: 'orders', WSHED_PARTITION: 'daily', WSHED_FORMAT: 'parquet' });
  const meta = { shardId: 'shardId-000000000000', partitionKey: 'k', approximateArrivalTimestamp: Date.UTC(2026, 0, 2, 3), sequenceNumber: '1', subsequenceNumber: 2 };
  const bad = Buffer.from([0xc3, 0x28]).toString('base64');
  const result = await handler({
    invocationId: 'i',
    deliveryStreamArn: 'arn:aws:firehose:us-east-1:123456789012:deliverystream/x',
    region: 'us-east-1',
    records: [
      { recordId: 'a', approximateArrivalTimestamp: 0, data: Buffer.from('{"a":1,"a":2}').toString('base64'), kinesisRecordMetadata: meta },
      { recordId: 'b', approximateArrivalTimestamp: 0, data: bad, kinesisRecordMetadata: meta },
    ],
  });
  const line = JSON.parse(Buffer.from(result.records[0].data, 'base64').toString('utf8'));
  assert.equal(line, { stream: 'orders', shard_id: 'shardId-000000000000', sequence_number: '1', sub_sequence_number: 2, partition_key: 'k', arrival_time: '2026-01-02T03:00:00.000Z', payload: '{"a":2}' });
  assert.equal(result.records[0].metadata, { partitionKeys: { area: 'dt', dt: '2026-01-02' } });
  assert.equal(result.records[1], { recordId: 'b', result: 'ProcessingFailed', data: bad });
});

test('the built Lambda exports handler and imports nothing but node: builtins', async () => {
  const text = await fs.readFile(BUILT, 'utf8');
  // Static imports and re-exports at the start of a line (esbuild's output), dynamic imports, requires.
  const specifiers = [
    ...text.matchAll(/^(?:import|export)\b[^;'"]*?(?:from\s*)?["']([^"']+)["']|\bimport\s*\(\s*["']([^"']+)["']|\brequire\s*\(\s*["']([^"']+)["']/gm),
  ].map((m) => m[1] ?? m[2] ?? m[3]);
  assert.ok(specifiers.length > 0, 'the bundle imports node:buffer at least');
  assert.equal(specifiers.filter((s) => !(s.startsWith('node:') && isBuiltin(s))), []);
  const mod = (await import(pathToFileURL(BUILT).href)) as Record<string, unknown>;
  assert.type(mod.handler, 'function');
});

test.run();
