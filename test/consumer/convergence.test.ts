// Property tests of the consistency rule (docs/consistency.md): a source stream with random
// per-key histories, a replay up to a per-shard watermark (compacted or not, with or without
// overwrite), and a consumer that reads the live stream and the replay in a random interleaving
// with redeliveries. A consumer using the library ends with the newest origin record per key;
// consumers that break one part of the protocol do not (so the property is not vacuous).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import {
  compareVersions,
  decide,
  isAfterWatermark,
  liveIncoming,
  replayedIncoming,
  VersionedStore,
  type Incoming,
  type Version,
  type Watermark,
} from '../../src/consumer/index.ts';

const STREAM = 'orders';
const BASE_MS = Date.UTC(2026, 10, 27);
const shardId = (s: number) => `shardId-00000000000${s}`;

// ---- the source stream -------------------------------------------------------------------------

/** A user record's change to its key: a value, or a delete (null). */
interface Write {
  readonly key: string;
  readonly value: number | null;
}

interface SourceRecord {
  readonly version: Version;
  readonly write: Write;
  /** Index of its Kinesis record in its shard (user records of one aggregate share it). */
  readonly index: number;
}

const kinesisRecordArb = fc.record({
  shard: fc.nat(),
  // Milliseconds since the previous record: ties across and inside shards are common.
  dt: fc.constantFrom(0, 0, 1, 3, 1000),
  // Sequence steps up to 10^22 from a start just below 10^38: numbers grow past 38 digits.
  seqStep: fc.bigInt({ min: 1n, max: 10n ** 22n }),
  users: fc.array(fc.record({ key: fc.integer({ min: 0, max: 4 }), value: fc.option(fc.integer({ min: 0, max: 999 }), { freq: 5 }) }), {
    minLength: 1,
    maxLength: 3,
  }),
});

const fraction = fc.integer({ min: 0, max: 1000 }).map((n) => n / 1000);

const shapeArb = fc.record({
  shards: fc.integer({ min: 1, max: 3 }),
  records: fc.array(kinesisRecordArb, { maxLength: 40 }),
  cuts: fc.array(fraction, { minLength: 3, maxLength: 3 }),
  liveStarts: fc.array(fraction, { minLength: 3, maxLength: 3 }),
  compact: fc.boolean(),
  overwrite: fc.boolean(),
  legacyKeys: fc.uniqueArray(fc.integer({ min: 0, max: 5 }), { maxLength: 4 }),
  schedule: fc.array(fc.record({ queue: fc.nat(), rewind: fc.option(fc.integer({ min: 1, max: 6 }), { freq: 6 }) }), { maxLength: 150 }),
});

type Shape = typeof shapeArb extends fc.Arbitrary<infer T> ? T : never;

/** Builds each shard's records: sequence numbers increase per shard, arrival times never go back. */
function buildShards(shape: Shape): SourceRecord[][] {
  const shards: SourceRecord[][] = Array.from({ length: shape.shards }, () => []);
  const nextSeq = Array.from({ length: shape.shards }, (_, s) => 10n ** 38n - 10n ** 23n * BigInt(s + 1));
  const indexes = Array.from({ length: shape.shards }, () => 0);
  let t = 0;
  for (const r of shape.records) {
    const s = r.shard % shape.shards;
    t += r.dt;
    nextSeq[s] += r.seqStep;
    const index = indexes[s]++;
    r.users.forEach((u, sub) => {
      shards[s].push({
        index,
        write: { key: `k${u.key}`, value: u.value },
        version: {
          stream: STREAM,
          shard_id: shardId(s),
          sequence_number: String(nextSeq[s]),
          sub_sequence_number: r.users.length > 1 ? sub : 0,
          arrival_time: new Date(BASE_MS + t).toISOString(),
        },
      });
    });
  }
  return shards;
}

// ---- the replay and what the consumer is delivered ---------------------------------------------

type Delivery = { readonly kind: 'live'; readonly record: SourceRecord } | { readonly kind: 'replayed'; readonly record: Record<string, unknown> };

interface Scenario {
  readonly shards: SourceRecord[][];
  readonly watermark: Watermark;
  readonly overwrite: boolean;
  /** Legacy values the consumer held before it kept versions. */
  readonly seeds: ReadonlyMap<string, number>;
  /** Everything the consumer receives, in the order it receives it. */
  readonly deliveries: Delivery[];
}

type LiveStart = 'at-or-before-watermark' | 'after-watermark';

function scenario(shape: Shape, options: { liveStart?: LiveStart; legacy?: 'with-overwrite' | 'always' } = {}): Scenario {
  const shards = buildShards(shape);
  const kinesisCount = (s: number) => (shards[s].length === 0 ? 0 : shards[s][shards[s].length - 1].index + 1);
  // Per shard, how many Kinesis records the watermark covers (captured shard by shard, not atomically).
  const cuts = shards.map((_, s) => Math.round(shape.cuts[s] * kinesisCount(s)));
  const watermarkShards: Record<string, string> = {};
  shards.forEach((records, s) => {
    const last = records.filter((r) => r.index < cuts[s]).pop();
    if (last) watermarkShards[shardId(s)] = last.version.sequence_number;
  });
  const watermark: Watermark = { captured_at: new Date(BASE_MS + 3_600_000).toISOString(), shards: watermarkShards };

  // The replay: archive+live up to the watermark, compacted to the last record per key, in origin order.
  const upToWatermark = shards.flatMap((records, s) => records.filter((r) => r.index < cuts[s]));
  let replaySet = upToWatermark;
  if (shape.compact) {
    const last = new Map<string, SourceRecord>();
    for (const r of upToWatermark) {
      const kept = last.get(r.write.key);
      if (!kept || compareVersions(r.version, kept.version) > 0) last.set(r.write.key, r);
    }
    replaySet = [...last.values()];
  }
  const replayed = [...replaySet]
    .sort((a, b) => compareVersions(a.version, b.version))
    .map((r) => ({
      key: r.write.key,
      ...(r.write.value === null ? { deleted: true } : { value: r.write.value }),
      ...(shape.overwrite ? { overwrite: true } : {}),
      _wshed: { v: 1, replay_id: 'r-1', replay: 'rebuild', origin: r.version, watermark },
    }));

  // The live consumer of the source stream starts, per shard, at or before the watermark (or, to
  // show why that matters, after it).
  const liveQueues = shards.map((records, s) => {
    const start =
      options.liveStart === 'after-watermark' ? cuts[s] + 1 : Math.round(shape.liveStarts[s] * cuts[s]);
    return records.filter((r) => r.index >= start);
  });
  const queues: Delivery[][] = [
    replayed.map((record): Delivery => ({ kind: 'replayed', record })),
    ...liveQueues.map((q) => q.map((record): Delivery => ({ kind: 'live', record }))),
  ];

  // At-least-once delivery: the scheduler picks a queue to read next, or makes a reader go back
  // (a restart from an older checkpoint); afterwards every queue is read to its end.
  const positions = queues.map(() => 0);
  const deliveries: Delivery[] = [];
  for (const step of shape.schedule) {
    const q = step.queue % queues.length;
    if (step.rewind !== null) positions[q] = Math.max(0, positions[q] - step.rewind);
    else if (positions[q] < queues[q].length) deliveries.push(queues[q][positions[q]++]);
  }
  for (let q = 0; q < queues.length; q++) while (positions[q] < queues[q].length) deliveries.push(queues[q][positions[q]++]);

  const legacyAllowed = options.legacy === 'always' || shape.overwrite;
  const seeds = new Map(legacyAllowed ? shape.legacyKeys.map((k) => [`k${k}`, 10_000 + k] as const) : []);
  return { shards, watermark, overwrite: shape.overwrite, seeds, deliveries };
}

/** The newest origin record per key over the whole stream; legacy values for keys never written. */
function expected(sc: Scenario): Map<string, number> {
  const newest = new Map<string, SourceRecord>();
  for (const r of sc.shards.flat()) {
    const kept = newest.get(r.write.key);
    if (!kept || compareVersions(r.version, kept.version) > 0) newest.set(r.write.key, r);
  }
  const out = new Map<string, number>();
  for (const [key, value] of sc.seeds) if (!newest.has(key)) out.set(key, value);
  for (const [key, r] of newest) if (r.write.value !== null) out.set(key, r.write.value);
  return out;
}

// ---- consumers ---------------------------------------------------------------------------------

interface Change {
  readonly incoming: Incoming;
  readonly write: Write;
}

/** What a consumer sees of one delivery: the rule's view of it and the change it carries. */
function change(d: Delivery): Change {
  if (d.kind === 'live') {
    const v = d.record.version;
    const incoming = liveIncoming({
      streamName: v.stream,
      shardId: v.shard_id,
      sequenceNumber: v.sequence_number,
      subSequenceNumber: v.sub_sequence_number,
      approximateArrivalTimestamp: new Date(v.arrival_time),
    });
    return { incoming, write: d.record.write };
  }
  const incoming = replayedIncoming(d.record);
  if (incoming === null) throw new Error('replayed record without valid _wshed');
  const r = d.record as { key: string; value?: number; deleted?: true };
  return { incoming, write: { key: r.key, value: r.deleted ? null : r.value! } };
}

type Consumer = (sc: Scenario) => Map<string, number>;

/** The library's intended use: every change goes through the rule; deletes leave tombstones. */
const ruleConsumer: Consumer = (sc) => {
  const store = new VersionedStore<number>();
  for (const [key, value] of sc.seeds) store.seedUnversioned(key, value);
  for (const d of sc.deliveries) {
    const { incoming, write } = change(d);
    if (write.value === null) store.delete(write.key, incoming);
    else store.put(write.key, write.value, incoming);
  }
  return store.values();
};

/** Applies everything in the order it arrives (what a consumer without the rule does). */
const naiveConsumer: Consumer = (sc) => {
  const values = new Map(sc.seeds);
  for (const d of sc.deliveries) {
    const { write } = change(d);
    if (write.value === null) values.delete(write.key);
    else values.set(write.key, write.value);
  }
  return values;
};

/** The rule, except that `overwrite: true` replaces whatever is stored, newer versions too. */
const overwriteWinsConsumer: Consumer = (sc) => {
  const values = new Map<string, { value: number | null; version: Version | null }>();
  for (const [key, value] of sc.seeds) values.set(key, { value, version: null });
  for (const d of sc.deliveries) {
    const { incoming, write } = change(d);
    const stored = values.get(write.key);
    const forced = incoming.kind === 'replayed' && incoming.overwrite;
    if (forced || decide(incoming, stored === undefined ? undefined : (stored.version ?? 'unversioned')).apply) {
      values.set(write.key, { value: write.value, version: incoming.version });
    }
  }
  return new Map([...values].flatMap(([k, e]) => (e.value === null ? [] : [[k, e.value] as const])));
};

/** The rule, but a delete removes the key instead of leaving a versioned tombstone. */
const noTombstoneConsumer: Consumer = (sc) => {
  const values = new Map<string, { value: number; version: Version | null }>();
  for (const [key, value] of sc.seeds) values.set(key, { value, version: null });
  for (const d of sc.deliveries) {
    const { incoming, write } = change(d);
    const stored = values.get(write.key);
    if (!decide(incoming, stored === undefined ? undefined : (stored.version ?? 'unversioned')).apply) continue;
    if (write.value === null) values.delete(write.key);
    else values.set(write.key, { value: write.value, version: incoming.version });
  }
  return new Map([...values].map(([k, e]) => [k, e.value]));
};

const converges = (consumer: Consumer, options?: Parameters<typeof scenario>[1]) =>
  fc.property(shapeArb, (shape) => {
    const sc = scenario(shape, options);
    assert.equal(Object.fromEntries([...consumer(sc)].sort()), Object.fromEntries([...expected(sc)].sort()));
  });

/** Asserts that fast-check finds a counterexample (fixed seed: the search is deterministic). */
function assertFails(property: fc.IProperty<[Shape]>, what: string) {
  const details = fc.check(property, { numRuns: 2000, seed: 20261127 });
  assert.ok(details.failed, `expected a counterexample: ${what}`);
}

// ---- the properties ----------------------------------------------------------------------------

test('the model: the watermark splits each shard exactly where the replay stops reading', () => {
  fc.assert(
    fc.property(shapeArb, (shape) => {
      const sc = scenario(shape);
      const replayedOrigins = new Set(
        sc.deliveries.filter((d) => d.kind === 'replayed').map((d) => JSON.stringify((d.record as { _wshed: { origin: Version } })._wshed.origin)),
      );
      for (const r of sc.shards.flat()) {
        if (replayedOrigins.has(JSON.stringify(r.version))) assert.not.ok(isAfterWatermark(r.version, sc.watermark));
      }
    }),
    { numRuns: 300 },
  );
});

test('the rule converges: every key ends with its newest origin record, in any interleaving, with redeliveries, with or without overwrite and compaction', () => {
  fc.assert(converges(ruleConsumer), { numRuns: 1500 });
});

test('the rule is order-insensitive and idempotent: any permutation of any deliveries, duplicated, keeps the greatest version', () => {
  const versionArb = fc.record({
    stream: fc.constant(STREAM),
    shard_id: fc.constantFrom(shardId(0), shardId(1)),
    sequence_number: fc.bigInt({ min: 0n, max: 10n ** 45n }).map(String),
    sub_sequence_number: fc.integer({ min: 0, max: 3 }),
    arrival_time: fc.integer({ min: 0, max: 5 }).map((ms) => new Date(BASE_MS + ms).toISOString()),
  });
  // Some versions, live or replayed; then every one of them at least once plus random duplicates, shuffled.
  const deliveriesArb = fc.array(fc.tuple(versionArb, fc.boolean()), { minLength: 1, maxLength: 12 }).chain((items) =>
    fc.array(fc.nat(items.length - 1), { maxLength: 30 }).chain((duplicates) => {
      const all = [...items.keys(), ...duplicates];
      return fc.tuple(fc.constant(items), fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length }));
    }),
  );
  fc.assert(
    fc.property(deliveriesArb, ([items, order]) => {
      const incoming = items.map(([version, isLive]): Incoming =>
        isLive ? { kind: 'live', version } : { kind: 'replayed', version, overwrite: true, metadata: { v: 1, replay_id: 'r', replay: 'r', origin: version, watermark: { captured_at: '', shards: {} } } },
      );
      let stored: Version | undefined;
      for (const i of order) if (decide(incoming[i], stored).apply) stored = incoming[i].version;
      const greatest = items.map(([v]) => v).sort(compareVersions).pop()!;
      assert.is(compareVersions(stored!, greatest), 0);
    }),
    { numRuns: 1000 },
  );
});

test('counter-property: a consumer that applies everything in arrival order does not converge', () => {
  assertFails(converges(naiveConsumer), 'naive consumer');
});

test('counter-property: letting overwrite: true beat a newer stored version does not converge', () => {
  assertFails(converges(overwriteWinsConsumer), 'overwrite always wins');
});

test('counter-property: a consumer that forgets deletes (no tombstones) can revive a deleted key', () => {
  assertFails(converges(noTombstoneConsumer), 'no tombstones');
});

test('counter-property: a live reader that starts after the watermark misses records', () => {
  assertFails(converges(ruleConsumer, { liveStart: 'after-watermark' }), 'live start after the watermark');
});

test('counter-property: legacy state without overwrite can keep a stale value', () => {
  assertFails(converges(ruleConsumer, { legacy: 'always' }), 'legacy state, replay without overwrite');
});

test.run();
