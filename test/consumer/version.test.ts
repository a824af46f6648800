import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import {
  compareSequenceNumbers,
  compareVersions,
  isAfterWatermark,
  isVersion,
  liveStartPosition,
  liveVersion,
  readReplayMarker,
  readReplayMetadata,
  replayedVersion,
  versionSortKey,
  type Version,
} from '../../src/consumer/index.ts';

const v = (over: Partial<Version> = {}): Version => ({
  stream: 'orders',
  shard_id: 'shardId-000000000000',
  sequence_number: '49656000000000000000000000000000000000000000000000000001',
  sub_sequence_number: 0,
  arrival_time: '2026-11-27T10:00:00.000Z',
  ...over,
});

test('sequence numbers order as integers, however long (beyond 38 digits and 64 bits)', () => {
  const n39 = '1' + '0'.repeat(38); // 10^38: past a DECIMAL(38) and far past 2^64
  const n38 = '9'.repeat(38);
  assert.is(compareSequenceNumbers(n38, n39), -1);
  assert.is(compareSequenceNumbers(n39, n38), 1);
  assert.is(compareSequenceNumbers('9', '10'), -1, 'not text order');
  assert.is(compareSequenceNumbers('000123', '123'), 0, 'leading zeros do not count');
  assert.is(compareSequenceNumbers('0', '0000'), 0);
  const big = '49656' + '7'.repeat(70);
  const bigger = '49656' + '7'.repeat(69) + '8';
  assert.is(compareSequenceNumbers(big, bigger), -1);
  assert.is(Math.sign(compareSequenceNumbers(big, bigger)), Math.sign(Number(BigInt(big) - BigInt(bigger))));
});

test('arrival time decides first, across shards, even against a greater sequence number', () => {
  const early = v({ shard_id: 'shardId-000000000001', sequence_number: '99999999999999999999999999999999999999999', arrival_time: '2026-11-27T10:00:00.000Z' });
  const late = v({ shard_id: 'shardId-000000000000', sequence_number: '1', arrival_time: '2026-11-27T10:00:00.001Z' });
  assert.is(compareVersions(early, late), -1);
  assert.is(compareVersions(late, early), 1);
});

test('arrival time compares as an instant, not as text', () => {
  const utc = v({ arrival_time: '2026-11-27T10:00:00.000Z' });
  const offset = v({ arrival_time: '2026-11-27T11:00:00.000+01:00' });
  assert.is(compareVersions(utc, offset), 0);
});

test('on the same arrival millisecond the sequence number decides, then the sub-sequence, then the shard', () => {
  const t = '2026-11-27T10:00:00.123Z';
  const a = v({ arrival_time: t, sequence_number: '100', sub_sequence_number: 5, shard_id: 'shardId-000000000009' });
  const b = v({ arrival_time: t, sequence_number: '101', sub_sequence_number: 0, shard_id: 'shardId-000000000000' });
  assert.is(compareVersions(a, b), -1, 'sequence before sub-sequence and shard');
  const sub0 = v({ arrival_time: t, sequence_number: '100', sub_sequence_number: 0 });
  const sub1 = v({ arrival_time: t, sequence_number: '100', sub_sequence_number: 1 });
  assert.is(compareVersions(sub0, sub1), -1, 'user records of one aggregate in aggregate order');
  const sub10 = v({ arrival_time: t, sequence_number: '100', sub_sequence_number: 10 });
  assert.is(compareVersions(sub1, sub10), -1, 'sub-sequences as numbers');
  const shardA = v({ arrival_time: t, sequence_number: '100', shard_id: 'shardId-000000000001' });
  const shardB = v({ arrival_time: t, sequence_number: '100', shard_id: 'shardId-000000000002' });
  assert.is(compareVersions(shardA, shardB), -1, 'shard id as text, last');
});

test('equal only for the same record; the stream name only breaks ties between streams', () => {
  assert.is(compareVersions(v(), v()), 0);
  assert.is(compareVersions(v({ sequence_number: '0049656000000000000000000000000000000000000000000000000001' }), v()), 0);
  assert.is(compareVersions(v({ stream: 'a' }), v({ stream: 'b' })), -1);
});

test('the order agrees with sorting by the replay SQL keys (arrival text, 64-wide padded sequence, sub-sequence, shard)', () => {
  const versions: Version[] = [];
  const times = ['2026-11-27T10:00:00.000Z', '2026-11-27T10:00:00.001Z'];
  const sequences = ['7', '10', '49656000000000000000000000000000000000000000000000000001', '1' + '0'.repeat(40)];
  for (const arrival_time of times) {
    for (const sequence_number of sequences) {
      for (const sub_sequence_number of [0, 2, 10]) {
        for (const shard_id of ['shardId-000000000000', 'shardId-000000000001']) versions.push(v({ arrival_time, sequence_number, sub_sequence_number, shard_id }));
      }
    }
  }
  const sqlKey = (x: Version) => [x.arrival_time, x.sequence_number.padStart(64, '0'), String(x.sub_sequence_number).padStart(10, '0'), x.shard_id].join('|');
  const bySql = [...versions].sort((a, b) => (sqlKey(a) < sqlKey(b) ? -1 : sqlKey(a) > sqlKey(b) ? 1 : 0));
  const byLibrary = [...versions].reverse().sort(compareVersions);
  assert.equal(byLibrary, bySql);
});

test('a live record version normalises the SDK metadata to the reservoir layout', () => {
  const live = liveVersion({
    streamName: 'orders',
    shardId: 'shardId-000000000003',
    sequenceNumber: '49656000000000000000000000000000000000000000000000000042',
    approximateArrivalTimestamp: new Date(Date.UTC(2026, 10, 27, 10, 0, 0, 7)),
  });
  assert.equal(live, {
    stream: 'orders',
    shard_id: 'shardId-000000000003',
    sequence_number: '49656000000000000000000000000000000000000000000000000042',
    sub_sequence_number: 0,
    arrival_time: '2026-11-27T10:00:00.007Z',
  });
  assert.ok(isVersion(live));
  const fromMillis = liveVersion({ streamName: 'orders', shardId: 's', sequenceNumber: '1', subSequenceNumber: 3, approximateArrivalTimestamp: Date.UTC(2026, 0, 1) });
  assert.is(fromMillis.arrival_time, '2026-01-01T00:00:00.000Z');
  assert.is(fromMillis.sub_sequence_number, 3);
});

test('live metadata that is not a Kinesis position is refused with the reason', () => {
  const base = { streamName: 'orders', shardId: 's', sequenceNumber: '1', approximateArrivalTimestamp: new Date() };
  assert.throws(() => liveVersion({ ...base, sequenceNumber: '12a' }), /sequenceNumber/);
  assert.throws(() => liveVersion({ ...base, subSequenceNumber: -1 }), /subSequenceNumber/);
  assert.throws(() => liveVersion({ ...base, approximateArrivalTimestamp: 'yesterday' }), /approximateArrivalTimestamp/);
  assert.throws(() => liveVersion({ ...base, shardId: '' }), /shardId/);
});

const metadata = {
  v: 1,
  replay_id: 'r-1',
  replay: 'rebuild',
  origin: v(),
  watermark: { captured_at: '2026-11-27T11:00:00.000Z', shards: { 'shardId-000000000000': '49656000000000000000000000000000000000000000000000000009' } },
};

test('replay metadata is read from _wshed; records without it are not replayed; malformed ones say why', () => {
  const record = { order_id: 'o1', _wshed: metadata };
  const read = readReplayMetadata(record);
  assert.is(read.kind, 'replayed');
  assert.equal(replayedVersion(record), v());
  assert.equal(readReplayMetadata({ order_id: 'o1' }), { kind: 'not-replayed' });
  assert.equal(readReplayMetadata('text'), { kind: 'not-replayed' });
  assert.equal(readReplayMetadata(null), { kind: 'not-replayed' });
  const bad = (m: unknown) => readReplayMetadata({ _wshed: m });
  assert.equal(bad({ ...metadata, v: 3 }), { kind: 'invalid', problem: 'unsupported _wshed.v 3' });
  assert.equal(bad({ ...metadata, origin: { ...v(), sequence_number: 12 } }), { kind: 'invalid', problem: 'origin.sequence_number must be a non-empty string' });
  assert.equal(bad({ ...metadata, origin: { ...v(), arrival_time: 'soon' } }), { kind: 'invalid', problem: 'origin.arrival_time must be an ISO-8601 time' });
  assert.equal(bad({ ...metadata, watermark: { captured_at: 'x', shards: { a: 5 } } }), { kind: 'invalid', problem: 'watermark.shards.a must be a decimal string' });
  assert.is(replayedVersion({ _wshed: 'x' }), null);
});

test('version 2 records carry the replay id and the origin as a tuple; markers carry the watermark once per run', () => {
  const o = v();
  const record = { order_id: 'o1', _wshed: { v: 2, replay_id: 'r-2', origin: [o.stream, o.shard_id, o.sequence_number, o.sub_sequence_number, o.arrival_time] } };
  assert.equal(readReplayMetadata(record), { kind: 'replayed', metadata: { v: 2, replay_id: 'r-2', origin: o } });
  assert.equal(replayedVersion(record), o);
  const bad = (origin: unknown) => readReplayMetadata({ _wshed: { v: 2, replay_id: 'r-2', origin } });
  assert.equal(bad({ ...o }), { kind: 'invalid', problem: 'origin must be [stream, shard_id, sequence_number, sub_sequence_number, arrival_time]' });
  assert.equal(bad([o.stream, o.shard_id, o.sequence_number, -1, o.arrival_time]), { kind: 'invalid', problem: 'origin.sub_sequence_number must be a non-negative integer' });
  const marker = { v: 2, marker: 'replay-run', replay_id: 'r-2', replay: 'rebuild', stream: 'orders', into: 'rebuilt', watermark: metadata.watermark, after_replay_id: null, started_at: '2026-11-27T11:00:00.000Z' };
  assert.equal(readReplayMetadata({ _wshed: marker }), { kind: 'marker', marker });
  assert.equal(readReplayMarker({ _wshed: marker }), marker, 'a marker record');
  assert.equal(readReplayMarker(marker), marker, "the reservoir's marker file");
  assert.is(replayedVersion({ _wshed: marker }), null, 'a marker is no record to apply');
  assert.is(readReplayMarker(record), null);
  assert.equal(readReplayMetadata({ _wshed: { ...marker, watermark: { captured_at: 'x', shards: { a: 5 } } } }), { kind: 'invalid', problem: 'watermark.shards.a must be a decimal string' });
});

test('a record is after the watermark when its shard had nothing up to it, or it is past the shard position', () => {
  const w = metadata.watermark;
  const at = '49656000000000000000000000000000000000000000000000000009';
  assert.not.ok(isAfterWatermark(v({ sequence_number: at }), w), 'the watermark record itself was replayed');
  assert.not.ok(isAfterWatermark(v({ sequence_number: '8' }), w));
  assert.ok(isAfterWatermark(v({ sequence_number: '49656000000000000000000000000000000000000000000000000010' }), w));
  assert.ok(isAfterWatermark(v({ shard_id: 'shardId-000000000001', sequence_number: '1' }), w), 'a shard empty at the start');
  assert.ok(isAfterWatermark(v({ shard_id: 'toString' }), w), 'no prototype keys');
});

test('a live reader starts at the watermark record of each shard it names, from the oldest record elsewhere', () => {
  assert.equal(liveStartPosition(metadata.watermark, 'shardId-000000000000'), {
    ShardIteratorType: 'AT_SEQUENCE_NUMBER',
    StartingSequenceNumber: '49656000000000000000000000000000000000000000000000000009',
  });
  assert.equal(liveStartPosition(metadata.watermark, 'shardId-000000000001'), { ShardIteratorType: 'TRIM_HORIZON' });
});

test('versionSortKey orders as text exactly as compareVersions orders versions', () => {
  const versionArb = fc.record({
    stream: fc.constantFrom('orders', 'orders-2', 'o'),
    shard_id: fc.constantFrom('shardId-000000000000', 'shardId-000000000001', 'shardId-0000000000010', 's', 's-1', 's.1'),
    sequence_number: fc.oneof(fc.bigInt({ min: 0n, max: 10n ** 60n }), fc.bigInt({ min: 0n, max: 1000n })).map(String),
    sub_sequence_number: fc.integer({ min: 0, max: 2 ** 40 }),
    arrival_time: fc.integer({ min: 0, max: 3 }).map((ms) => new Date(Date.UTC(2026, 10, 27) + ms).toISOString()),
  });
  fc.assert(
    fc.property(versionArb, versionArb, (a, b) => {
      const ka = versionSortKey(a);
      const kb = versionSortKey(b);
      assert.is(ka < kb ? -1 : ka > kb ? 1 : 0, compareVersions(a, b));
    }),
    { numRuns: 3000 },
  );
});

test.run();
