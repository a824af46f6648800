import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { deaggregate, isAggregate, KplAggregator } from '../../src/runtime/kinesis/kpl.ts';

const kinesisRecord = (data: Buffer, partitionKey = 'pk') => ({
  sequenceNumber: '49600000000000000000000000000000000000000000000000000001',
  partitionKey,
  data,
  arrivalTime: new Date('2026-01-02T03:04:05.678Z'),
});

test('a plain record de-aggregates to itself as raw bytes with sub-sequence 0', () => {
  const out = deaggregate(kinesisRecord(Buffer.from('{"a":1}')));
  assert.ok(out.ok);
  if (!out.ok) return;
  assert.is(out.records.length, 1);
  assert.is(out.records[0].data.toString('utf8'), '{"a":1}');
  assert.is(out.records[0].subSequenceNumber, 0);
  assert.is(out.records[0].aggregated, false);
  assert.is(out.records[0].partitionKey, 'pk');
});

test('a KPL aggregate de-aggregates into its user records with their keys, bytes and positions', () => {
  const agg = new KplAggregator();
  for (let i = 0; i < 5; i++) assert.is(agg.add(`key-${i % 2}`, Buffer.from(JSON.stringify({ i }))), null);
  const built = agg.flush()!;
  assert.ok(isAggregate(built.data));
  assert.is(built.partitionKey, 'key-0');
  const out = deaggregate(kinesisRecord(built.data, built.partitionKey));
  assert.ok(out.ok);
  if (!out.ok) return;
  assert.equal(
    out.records.map((r) => [r.partitionKey, r.subSequenceNumber, r.data.toString('utf8'), r.aggregated]),
    [0, 1, 2, 3, 4].map((i) => [`key-${i % 2}`, i, JSON.stringify({ i }), true]),
  );
  assert.ok(Buffer.isBuffer(out.records[0].data));
});

test('binary user records survive aggregation byte for byte', () => {
  const agg = new KplAggregator();
  const bytes = Buffer.from([0, 255, 10, 13, 0xf3, 0x89]);
  agg.add('k', bytes);
  const out = deaggregate(kinesisRecord(agg.flush()!.data));
  assert.ok(out.ok && out.records[0].data.equals(bytes));
});

test('the aggregator hands out a full aggregate when the next record does not fit', () => {
  const agg = new KplAggregator();
  const big = Buffer.alloc(400_000, 'x');
  assert.is(agg.add('a', big), null);
  assert.is(agg.add('b', big), null);
  const full = agg.add('c', big);
  assert.ok(full);
  assert.is(agg.size, 1);
  const out = deaggregate(kinesisRecord(full!.data));
  assert.ok(out.ok && out.records.length === 2);
});

test('a corrupt aggregate is reported, not thrown', () => {
  const agg = new KplAggregator();
  agg.add('k', Buffer.from('{}'));
  const data = Buffer.from(agg.flush()!.data);
  data[data.length - 1] ^= 0xff; // break the checksum
  const out = deaggregate(kinesisRecord(data));
  assert.is(out.ok, false);
  if (!out.ok) assert.match(out.error, /invalid KPL aggregate/);
});

test.run();
