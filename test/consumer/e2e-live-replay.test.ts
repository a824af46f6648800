// The consistency protocol end to end (docs/consistency.md), against a real Kinesis (kinesalite),
// the real archiver and the real replay engine: a producer keeps writing to the source stream
// while a replay (archive+live, compacted by key, overwrite: true) runs into a destination stream;
// a consumer using watershed/consumer reads the source live (from before the replay starts) and
// the destination from its start, in whatever interleaving the event loop gives, and ends with
// exactly the newest value of every key.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { compile } from '../../src/compiler/compile.ts';
import { validateTargetConfig } from '../../src/compiler/config/validate.ts';
import type { ReplayStep } from '../../src/compiler/plan/types.ts';
import {
  readReplayMarker,
  compareVersions,
  isAfterWatermark,
  liveIncoming,
  replayedIncoming,
  VersionedStore,
  type Decision,
  type Incoming,
  type ReplayMetadata,
  type Version,
} from '../../src/consumer/index.ts';
import { archiveReservoir } from '../../src/runtime/archive/archiver.ts';
import { deaggregate } from '../../src/runtime/kinesis/kpl.ts';
import { putAllRecords } from '../../src/runtime/kinesis/put-records.ts';
import { readShard } from '../../src/runtime/kinesis/shard-reader.ts';
import type { KinesisRecord, ShardPosition } from '../../src/runtime/kinesis/stream-service.ts';
import { FsReservoirStore } from '../../src/runtime/reservoir/fs-store.ts';
import { runReplay } from '../../src/runtime/replay/run-replay.ts';
import { archiveStep, startTestKinesis, tempDir, type TempDir, type TestKinesis } from '../runtime/helpers/local-kinesis.ts';

const SOURCE = 'orders';
const DESTINATION = 'orders_rebuilt';
/** Keys o-0…o-39: all have a history in the archive. */
const KEYS = 40;
/** Keys the producer updates while the replay runs (o-0…o-24); the rest come through the replay alone. */
const LIVE_KEYS = 25;
/** Of those, the keys it updates until the end (o-0…o-14); o-15…o-24 go quiet once the watermark is taken. */
const HOT_KEYS = 15;

let kinesis: TestKinesis;
let dir: TempDir;
test.before(async () => {
  kinesis = await startTestKinesis();
  dir = await tempDir('wshed-e2e-consistency-');
});
test.after(async () => {
  await kinesis.close();
  await dir.remove();
});

/** An order update as producers write it; a delete is an update with `deleted: true`. */
interface Order {
  readonly order_id: string;
  readonly n: number;
  readonly deleted?: true;
}

function replayStep(reservoirRoot: string): ReplayStep {
  const text = `
    stream ${SOURCE} { shards 2 key order_id }
    stream ${DESTINATION} { shards 2 }
    reservoir orders_archive { from stream ${SOURCE} at ${JSON.stringify(reservoirRoot)} }
    replay rebuild from archive+live orders_archive compact by key annotate <overwrite: true> into stream ${DESTINATION} rate 15/s
  `;
  const conf = JSON.parse(readFileSync(new URL('../../conf/local.json', import.meta.url), 'utf8')) as unknown;
  const { config } = validateTargetConfig('conf/local.json', conf);
  const compiled = compile({ path: 'e2e.wshed', text }, { config: config!, now: new Date() });
  assert.equal(compiled.diagnostics, []);
  return compiled.plan!.steps.find((s): s is ReplayStep => s.kind === 'replay')!;
}

/** Writes updates to the source, one PutRecords call at a time (distinct keys per call), recording the last write per key. */
class Producer {
  readonly last = new Map<string, Order>();
  private n = 0;
  writes = 0;

  /** Writes `count` updates to distinct random keys among the first `keys` (about one in ten a delete). */
  async write(count: number, keys = KEYS): Promise<void> {
    const chosen = new Set<string>();
    while (chosen.size < count) chosen.add(`o-${Math.floor(Math.random() * keys)}`);
    await this.writeKeys([...chosen], () => Math.random() < 0.1);
  }

  /** Writes one update to each key, in one call. */
  async writeKeys(keys: readonly string[], isDelete: (key: string) => boolean = () => false): Promise<void> {
    const orders = keys.map((key): Order => {
      const n = ++this.n;
      return isDelete(key) ? { order_id: key, n, deleted: true } : { order_id: key, n };
    });
    await putAllRecords(
      kinesis.streams,
      SOURCE,
      orders.map((o) => ({ partitionKey: o.order_id, data: Buffer.from(JSON.stringify(o)) })),
    );
    for (const o of orders) this.last.set(o.order_id, o);
    this.writes += orders.length;
  }

  /**
   * Keeps writing small batches until `stop` resolves: to keys `o-0`…`o-${HOT_KEYS - 1}` all along,
   * and to `o-${HOT_KEYS}`…`o-${LIVE_KEYS - 1}` only until `captured()` — then once more each (past
   * the watermark) and never again, so their replayed records arrive after newer live ones.
   */
  async run(stop: Promise<void>, captured: () => boolean): Promise<void> {
    let stopped = false;
    void stop.then(() => (stopped = true));
    let cooled = false;
    while (!stopped) {
      if (!cooled && captured()) {
        cooled = true;
        await this.writeKeys(range(HOT_KEYS, LIVE_KEYS));
      }
      await this.write(1 + Math.floor(Math.random() * 4), cooled ? HOT_KEYS : LIVE_KEYS);
      await sleep(5);
    }
  }
}

/** The consumer: one store, fed by readers of both streams, every change through the rule. */
class Consumer {
  readonly store = new VersionedStore<Order>();
  readonly decisions = new Map<string, number>();
  readonly watermarks = new Set<string>();
  replayedRecords = 0;
  liveRecords = 0;
  readonly liveVersions: Version[] = [];

  /** What a consumer without the rule would hold: every record applied in arrival order. */
  readonly naive = new Map<string, Order | null>();
  /** Which stream the value each key holds came from (to see both directions of the race). */
  private readonly setBy = new Map<string, Incoming['kind']>();

  apply(order: Order, incoming: Incoming): Decision {
    const decision = order.deleted ? this.store.delete(order.order_id, incoming) : this.store.put(order.order_id, order, incoming);
    const over = this.setBy.get(order.order_id) ?? 'nothing';
    this.count(`${incoming.kind}:${decision.reason}`);
    this.count(`${incoming.kind} ${decision.apply ? 'replaced' : 'kept'} ${over}`);
    if (decision.apply) this.setBy.set(order.order_id, incoming.kind);
    this.naive.set(order.order_id, order.deleted ? null : order);
    return decision;
  }

  count(tally: string): number {
    const n = (this.decisions.get(tally) ?? 0) + 1;
    this.decisions.set(tally, n);
    return n;
  }

  onLive(shardId: string, record: KinesisRecord): void {
    for (const user of userRecords(record)) {
      const incoming = liveIncoming({
        streamName: SOURCE,
        shardId,
        sequenceNumber: user.sequenceNumber,
        subSequenceNumber: user.subSequenceNumber,
        approximateArrivalTimestamp: record.arrivalTime,
      });
      this.liveRecords++;
      this.liveVersions.push(incoming.version);
      this.apply(JSON.parse(user.data.toString('utf8')) as Order, incoming);
    }
  }

  onReplayed(record: KinesisRecord): void {
    for (const user of userRecords(record)) {
      const parsed = JSON.parse(user.data.toString('utf8')) as Order & { _wshed: ReplayMetadata; overwrite?: boolean };
      // A replay run's marker comes first on each shard: the consumer keeps its watermark.
      const marker = readReplayMarker(parsed);
      if (marker) {
        this.watermarks.add(JSON.stringify(marker.watermark));
        continue;
      }
      const incoming = replayedIncoming(parsed);
      assert.ok(incoming, `a replayed record without valid _wshed: ${user.data.toString('utf8')}`);
      this.replayedRecords++;
      this.apply(parsed, incoming!);
    }
  }
}

function userRecords(record: KinesisRecord) {
  const out = deaggregate(record);
  if (!out.ok) throw new Error(out.error);
  return out.records;
}

/**
 * Polls one shard from `from`, handing every record to `onRecord`, until `draining` is set and
 * a read issued after that finds the shard caught up with nothing more to return.
 */
async function follow(stream: string, shardId: string, from: ShardPosition, onRecord: (r: KinesisRecord) => void, drained: () => boolean): Promise<void> {
  let iterator: string | null = await kinesis.streams.shardIterator(stream, shardId, from);
  while (iterator) {
    const drainingBeforeRead = drained();
    const page = await kinesis.streams.getRecords(iterator, 100);
    for (const record of page.records) onRecord(record);
    if (drainingBeforeRead && page.records.length === 0 && page.millisBehindLatest === 0) return;
    iterator = page.nextIterator;
    if (page.records.length === 0) await sleep(20);
  }
}

/** The last record of each shard now (read to the tip), to start a live reader right there. */
async function tips(stream: string): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>();
  for (const shard of await kinesis.streams.listShards(stream)) {
    let last: string | null = null;
    for await (const page of readShard(kinesis.streams, stream, shard.shardId, { from: { kind: 'trim-horizon' } })) {
      if (page.records.length > 0) last = page.records[page.records.length - 1].sequenceNumber;
    }
    out.set(shard.shardId, last);
  }
  return out;
}

/** The newest record per key in the whole source stream, by origin order (null: deleted). */
async function newestInSource(): Promise<Map<string, Order | null>> {
  const newest = new Map<string, { version: Version; order: Order }>();
  for (const shard of await kinesis.streams.listShards(SOURCE)) {
    for await (const page of readShard(kinesis.streams, SOURCE, shard.shardId, { from: { kind: 'trim-horizon' } })) {
      for (const record of page.records) {
        for (const user of userRecords(record)) {
          const version = liveIncoming({ streamName: SOURCE, shardId: shard.shardId, sequenceNumber: user.sequenceNumber, subSequenceNumber: user.subSequenceNumber, approximateArrivalTimestamp: record.arrivalTime }).version;
          const order = JSON.parse(user.data.toString('utf8')) as Order;
          const kept = newest.get(order.order_id);
          if (!kept || compareVersions(version, kept.version) > 0) newest.set(order.order_id, { version, order });
        }
      }
    }
  }
  return new Map([...newest].map(([key, { order }]) => [key, order.deleted ? null : order]));
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `o-${from + i}`);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

test('a consumer reading a replay and the live stream with the rule ends with the newest value of every key while a producer keeps writing', async () => {
  const reservoirRoot = path.join(dir.path, 'reservoir');
  const home = path.join(dir.path, 'home');
  await fs.mkdir(home, { recursive: true });
  await kinesis.streams.ensureStream(SOURCE, 2, 24);
  await kinesis.streams.ensureStream(DESTINATION, 2, 24);
  const step = replayStep(reservoirRoot);

  // History over every key: archived by the real archiver, then more that only the replay's live
  // read finds, ending with a value for every key (so the replay carries every key).
  const producer = new Producer();
  for (let i = 0; i < 30; i++) await producer.write(8);
  const archived = await archiveReservoir(archiveStep('orders_archive', SOURCE, reservoirRoot), { streams: kinesis.streams });
  assert.is(archived.records, 240);
  for (let i = 0; i < 10; i++) await producer.write(6);
  await producer.writeKeys(range(0, KEYS));

  // The consumer's live reader starts before the replay does (right after the current tip); its
  // destination reader from the start. Both run until told to drain.
  const consumer = new Consumer();
  let draining = false;
  const drained = () => draining;
  const readers: Promise<void>[] = [];
  for (const [shardId, last] of await tips(SOURCE)) {
    const from: ShardPosition = last ? { kind: 'after-sequence', sequenceNumber: last } : { kind: 'trim-horizon' };
    readers.push(follow(SOURCE, shardId, from, (r) => consumer.onLive(shardId, r), drained));
  }
  for (const shard of await kinesis.streams.listShards(DESTINATION)) {
    readers.push(follow(DESTINATION, shard.shardId, { kind: 'trim-horizon' }, (r) => consumer.onReplayed(r), drained));
  }

  // The producer writes before, during and after the replay (rate limited: it takes seconds).
  let captured = false;
  let stopProducer!: () => void;
  const producing = producer.run(new Promise<void>((resolve) => (stopProducer = resolve)), () => captured);
  // Counted writes, not guessed delays: some before the replay starts, some after it ends.
  const before = producer.writes;
  await waitFor(() => producer.writes >= before + 20, 'the producer to write before the replay');
  const summary = await runReplay(
    step,
    { streams: kinesis.streams, reservoir: new FsReservoirStore(reservoirRoot), home },
    { onProgress: (p) => void (captured ||= p.phase !== 'capture') },
  );
  const after = producer.writes;
  await waitFor(() => producer.writes >= after + 40, 'the producer to write after the replay');
  stopProducer();
  await producing;
  // Once the consumer holds the whole replay, update some keys that only the replay had carried.
  await waitFor(() => consumer.replayedRecords >= summary.emitted, 'the consumer to read the whole replay');
  await producer.writeKeys(range(LIVE_KEYS, LIVE_KEYS + 5));
  draining = true;
  await within(Promise.all(readers), 60_000, 'both streams to drain');

  // Exactly the newest value of every key: the producer's last write, and the newest record in
  // the source stream by origin order (the two agree: one producer, one shard per key).
  const expected = await newestInSource();
  const asNumbers = (m: ReadonlyMap<string, Order | null | undefined>) => Object.fromEntries([...m].map(([k, o]) => [k, o?.n ?? null]).sort());
  assert.is(expected.size, KEYS);
  assert.equal(asNumbers(expected), asNumbers(new Map([...producer.last].map(([k, o]) => [k, o.deleted ? null : o]))));
  assert.equal(asNumbers(new Map([...expected.keys()].map((k) => [k, consumer.store.get(k)]))), asNumbers(expected));
  for (const [key, order] of expected) assert.is(consumer.store.entry(key)?.kind, order === null ? 'tombstone' : 'value', key);

  // The run exercised the protocol: every key was replayed once with the replay's watermark, the
  // live reader saw records on both sides of it, the race went both ways (replayed records after
  // newer live ones, kept; live records replacing replayed ones) — and applying everything in
  // arrival order would have left stale values.
  const tally = (name: string) => consumer.decisions.get(name) ?? 0;
  const seen = JSON.stringify([...consumer.decisions]);
  assert.is(summary.emitted, KEYS);
  assert.is(consumer.replayedRecords, KEYS);
  assert.equal([...consumer.watermarks], [JSON.stringify(summary.watermark)]);
  assert.ok(consumer.liveVersions.some((v) => isAfterWatermark(v, summary.watermark)), 'no live record after the watermark');
  assert.ok(consumer.liveVersions.some((v) => !isAfterWatermark(v, summary.watermark)), 'no live record before the watermark');
  assert.ok(tally('replayed:no-stored-value') >= KEYS - LIVE_KEYS, seen);
  assert.ok(tally('replayed kept live') > 0, seen);
  assert.ok(tally('live replaced replayed') >= 5, seen);
  const stale = [...expected].filter(([k, o]) => (consumer.naive.get(k)?.n ?? null) !== (o?.n ?? null)).map(([k]) => k);
  assert.ok(stale.length > 0, 'a naive consumer would have converged too: the run did not test the rule');
});

test.run();
