import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { deaggregate } from '../../src/runtime/kinesis/kpl.ts';
import { PUT_RECORDS_MAX_BYTES } from '../../src/runtime/kinesis/put-records.ts';
import type { ShardInfo } from '../../src/runtime/kinesis/stream-service.ts';
import { Annotator } from '../../src/runtime/replay/annotate.ts';
import { Batcher, MAX_AGGREGATE_BYTES, type Batch, type OutRecord } from '../../src/runtime/replay/batcher.ts';
import { comparePosition } from '../../src/runtime/replay/checkpoint.ts';
import { objectMembers, valueTextAt } from '../../src/runtime/replay/json-text.ts';
import { ReplayRateLimiter, TokenBucket } from '../../src/runtime/replay/rate-limiter.ts';
import { hashKeyOf, ShardRouter } from '../../src/runtime/replay/shard-router.ts';
import type { SourceRow } from '../../src/runtime/replay/source.ts';
import { CutFilter } from '../../src/runtime/replay/watermark.ts';

const row = (payload: string, extra: Partial<SourceRow> = {}): SourceRow => ({
  ordinal: 1,
  stream: 'orders',
  shardId: 'shardId-000000000001',
  sequenceNumber: '49650000000000000000000000000000000000000000000000000042',
  subSequenceNumber: 0,
  partitionKey: 'pk-1',
  arrivalTime: '2026-03-01T10:00:00.000Z',
  payload,
  ...extra,
});

test('JSON text: object members and values at a path, keeping the producer text', () => {
  assert.equal(objectMembers('{}'), []);
  assert.is(objectMembers('[1]'), null);
  assert.is(objectMembers('"x"'), null);
  const text = '{ "a" : 12345678901234567890123, "b\\"q":{"c":[1,{"d":"}"}]}, "e":"x\\"}" }';
  assert.equal(objectMembers(text)!.map((m) => m.key), ['a', 'b"q', 'e']);
  assert.is(valueTextAt(text, ['a']), '12345678901234567890123');
  assert.is(valueTextAt(text, ['b"q', 'c']), '[1,{"d":"}"}]');
  assert.is(valueTextAt(text, ['e']), '"x\\"}"');
  assert.is(valueTextAt(text, ['missing']), null);
  assert.is(valueTextAt(text, ['a', 'deeper']), null);
});

test('annotate: fields set at top level (replacing, never duplicating), _wshed last with the id and origin tuple; non-objects unchanged', () => {
  const annotator = new Annotator({
    replayId: 'id-1',
    annotate: { op: 'annotate', pushedDown: false, fields: [{ key: 'replayed', value: true }, { key: 'n', value: null }], metadataField: '_wshed' },
    partitionKey: { kind: 'field', path: ['customer', 'id'] },
  });
  const plain = annotator.annotate(row('{"big":12345678901234567890123,"customer":{"id":"c-7"}}'));
  assert.is(plain.partitionKey, 'c-7');
  assert.ok(plain.data.toString().startsWith('{"big":12345678901234567890123,"customer":{"id":"c-7"},"replayed":true,"n":null,"_wshed":{"v":2,'));
  const parsed = JSON.parse(plain.data.toString());
  assert.equal(parsed._wshed, {
    v: 2,
    replay_id: 'id-1',
    origin: ['orders', 'shardId-000000000001', '49650000000000000000000000000000000000000000000000000042', 0, '2026-03-01T10:00:00.000Z'],
  });
  const replaced = annotator.annotate(row('{"n":1,"_wshed":"old","customer":{"id":42},"z":2}'));
  assert.is(replaced.data.toString().match(/"n":/g)!.length, 1);
  assert.is(replaced.data.toString().match(/"_wshed":/g)!.length, 1);
  assert.is(JSON.parse(replaced.data.toString()).z, 2);
  assert.is(replaced.partitionKey, '42');
  assert.is(annotator.annotate(row('{}')).data.toString().slice(0, 17), '{"replayed":true,');
  for (const p of ['[1,2]', '"text"', '7', 'null']) {
    const out = annotator.annotate(row(p));
    assert.is(out.data.toString(), p);
    assert.is(out.isObject, false);
    assert.is(out.keyFellBack, true);
    assert.is(out.partitionKey, 'pk-1');
  }
  for (const p of ['{"customer":{"id":null}}', '{"customer":{"id":""}}', `{"customer":{"id":"${'x'.repeat(257)}"}}`, '{"customer":1}']) {
    assert.equal([annotator.annotate(row(p)).partitionKey, annotator.annotate(row(p)).keyFellBack], ['pk-1', true], p);
  }
});

const shards = (n: number): ShardInfo[] => {
  const step = 2n ** 128n / BigInt(n);
  return Array.from({ length: n }, (_, i) => ({
    shardId: `shardId-${String(i).padStart(12, '0')}`,
    parentShardId: null,
    adjacentParentShardId: null,
    hashKeyRange: { start: String(step * BigInt(i)), end: String(i === n - 1 ? 2n ** 128n - 1n : step * BigInt(i + 1) - 1n) },
    sequenceRange: { start: '0', end: null },
  }));
};

test('shard router: MD5 of the key as a 128-bit number, in the open shard whose range holds it', () => {
  assert.is(hashKeyOf('a'), BigInt('0x0cc175b9c0f1b6a831c399e269772661'));
  const router = new ShardRouter([...shards(4), { ...shards(1)[0], shardId: 'shardId-closed', sequenceRange: { start: '0', end: '9' } }]);
  assert.equal(router.shardIds, shards(4).map((s) => s.shardId));
  assert.is(router.shardFor('a'), 'shardId-000000000000'); // 0x0c… is in the first quarter
  assert.is(router.shardFor('x', String(2n ** 127n)), 'shardId-000000000002');
  assert.is(router.shardFor('x', String(2n ** 128n - 1n)), 'shardId-000000000003');
});

function batchAll(batcher: Batcher, records: OutRecord[]): Batch[] {
  const out: Batch[] = [];
  for (const r of records) {
    const closed = batcher.add(r);
    if (closed) out.push(closed);
  }
  const last = batcher.flush();
  if (last) out.push(last);
  return out;
}

const records = (n: number, size: number, router: ShardRouter): OutRecord[] =>
  Array.from({ length: n }, (_, i) => {
    const partitionKey = `key-${i}`;
    return {
      ordinal: i + 1,
      position: { arrival_time: 't', sequence_number: String(i), sub_sequence_number: 0, shard_id: 's' },
      partitionKey,
      data: Buffer.alloc(size, 97),
      shardId: router.shardFor(partitionKey),
    };
  });

test('batches hold at most 500 entries, 5 MiB and one second of each shard; aggregates never mix shards', () => {
  const router = new ShardRouter(shards(8));
  const limiter = new ReplayRateLimiter({ shardIds: router.shardIds, shardBudgetFraction: 1, ratePerSecond: null });
  const input = records(20_000, 700, router);
  for (const aggregate of [false, true]) {
    const batches = batchAll(new Batcher(aggregate, limiter.caps), input);
    assert.is(batches.reduce((n, b) => n + b.userRecords, 0), 20_000);
    assert.is(batches.at(-1)!.last.ordinal, 20_000);
    let previous = 0;
    for (const b of batches) {
      assert.ok(b.entries.length <= 500 && b.bytes <= PUT_RECORDS_MAX_BYTES);
      assert.ok(b.last.ordinal > previous);
      previous = b.last.ordinal;
      const perShard = new Map<string, number>();
      for (const e of b.entries) perShard.set(e.shardId, (perShard.get(e.shardId) ?? 0) + e.bytes);
      for (const bytes of perShard.values()) assert.ok(bytes <= 1024 * 1024, `${bytes} bytes for one shard in one batch`);
      for (const e of b.entries) {
        if (!aggregate) {
          assert.is(e.userRecords, 1);
          continue;
        }
        assert.ok(e.data.length <= MAX_AGGREGATE_BYTES + 100);
        const users = deaggregate({ sequenceNumber: '1', partitionKey: e.partitionKey, data: e.data, arrivalTime: new Date() });
        assert.ok(users.ok);
        if (users.ok) for (const u of users.records) assert.is(router.shardFor(u.partitionKey), e.shardId);
      }
    }
    if (aggregate) assert.ok(batches.reduce((n, b) => n + b.entries.length, 0) < 400);
  }
});

test('the rate clause caps a batch at a tenth of a second of records; a lone record is never aggregated', () => {
  const router = new ShardRouter(shards(2));
  const limiter = new ReplayRateLimiter({ shardIds: router.shardIds, shardBudgetFraction: 0.8, ratePerSecond: 250 });
  const batches = batchAll(new Batcher(true, limiter.caps), records(1000, 100, router));
  assert.equal(batches.map((b) => b.userRecords), Array.from({ length: 40 }, () => 25));
  const single = batchAll(new Batcher(true, limiter.caps), records(1, 100, router));
  assert.is(single[0].entries[0].data.length, 100, 'sent as a plain record');
});

test('token buckets and pace: waits follow the rate; throttling slows a shard, clean batches bring it back', async () => {
  const bucket = new TokenBucket(100, 100, 0);
  assert.is(bucket.waitMs(100, 0), 0);
  bucket.take(100, 0);
  assert.is(bucket.waitMs(50, 0), 500);
  bucket.refund(50, 0);
  assert.is(bucket.waitMs(50, 0), 0);
  let now = 0;
  const clock = { now: () => now, sleep: async (ms: number) => void (now += ms) };
  const limiter = new ReplayRateLimiter({ shardIds: ['s'], shardBudgetFraction: 0.1, ratePerSecond: null, clock });
  const demand = { userRecords: 10, shards: new Map([['s', { records: 100, bytes: 10 }]]) };
  await limiter.acquire(demand); // the shard's first second of budget
  assert.is(now, 0);
  await limiter.acquire({ ...demand, shards: new Map([['s', { records: 20, bytes: 10 }]]) });
  assert.ok(Math.abs(now - 200) < 1e-6, `waited ${now} ms for 20 records at 100/s`);
  limiter.throttled(['s']);
  assert.is(limiter.pace('s'), 0.8);
  assert.is(limiter.caps.shard('s').records, 80);
  limiter.accepted(['s']);
  assert.is(limiter.pace('s'), 0.9, 'quickly back to just under the pace that was throttled');
  limiter.accepted(['s']);
  assert.is(limiter.pace('s'), 0.9 * 1.05, 'then probing gently');
});

test('the cut: records past a shard watermark, of empty shards or of shards born later are left out', () => {
  const cut = new CutFilter({
    watermark: { captured_at: 'now', shards: { 'shardId-000000000001': '100' } },
    emptyShards: ['shardId-000000000002'],
    closedShards: ['shardId-000000000000'],
    basis: 'stream-tip',
  });
  assert.not.ok(cut.isPast('shardId-000000000001', '99'));
  assert.not.ok(cut.isPast('shardId-000000000001', '100'));
  assert.ok(cut.isPast('shardId-000000000001', '101'));
  assert.ok(cut.isPast('shardId-000000000002', '1'));
  assert.not.ok(cut.isPast('shardId-000000000000', '999999'));
  assert.ok(cut.isPast('shardId-000000000003', '1'), 'a child shard created after the cut');
  const p = (a: string, s: string, sub = 0, shard = 'x') => ({ arrival_time: a, sequence_number: s, sub_sequence_number: sub, shard_id: shard });
  assert.ok(comparePosition(p('2026-01-01T00:00:00.000Z', '900'), p('2026-01-01T00:00:00.000Z', '1000')) < 0, 'sequence numbers compare as numbers');
  assert.ok(comparePosition(p('2026-01-01T00:00:00.000Z', '5', 2), p('2026-01-01T00:00:00.000Z', '5', 10)) < 0);
  assert.is(comparePosition(p('2026-01-01T00:00:00.000Z', '5', 1, 'y'), p('2026-01-01T00:00:00.000Z', '5', 1, 'y')), 0);
});


test('a replay definition: relative bounds that move with the clock are no change; pace is no change; what it selects, adds or writes to is', async () => {
  const { compile } = await import('../../src/compiler/compile.ts');
  const { defaultConfig } = await import('../golden/harness.ts');
  const { definitionChanges, definitionOf } = await import('../../src/runtime/replay/definition.ts');
  const base = 'stream s { shards 1 }\nstream t { shards 1 }\nreservoir r { from stream s }\n';
  const def = (replay: string, now: string) => {
    const { plan } = compile({ path: 'p.wshed', text: base + replay }, { config: defaultConfig('local'), now: new Date(now) });
    const step = plan!.steps.find((s) => s.kind === 'replay') as import('../../src/compiler/plan/types.ts').ReplayStep;
    return definitionOf(step, plan!.now);
  };
  const day1 = '2026-11-27T12:00:00.000Z';
  const day2 = '2026-11-28T09:30:00.000Z';
  const rel = 'replay x from archive+live since 7d ago until now compact by key into stream t';
  assert.equal(definitionChanges(def(rel, day1), def(rel, day2)), []);
  assert.equal(definitionChanges(def(rel, day1), def(`${rel} rate 50/s aggregate off`, day2)), [], 'rate and aggregation are pace');
  assert.equal(definitionChanges(def(rel, day1), def(rel.replace('7d ago', '8d ago'), day1)), ["since: '2026-11-20T12:00:00.000Z' → '2026-11-19T12:00:00.000Z'"]);
  const abs = 'replay x from archive since 2026-11-01 into stream t';
  assert.equal(definitionChanges(def(abs, day1), def(abs, day2)), [], 'an absolute bound is the same bound');
  assert.equal(
    definitionChanges(def(abs, day1), def("replay x from live since 2026-11-01 where status = 'open' annotate <overwrite: true> into stream s", day1)),
    ["source: 'archive' → 'live'", "destination: 't' → 's'", "where: (none) → 'status = 'open''", "annotate: (none) → 'overwrite: true'"],
  );
});

test.run();
