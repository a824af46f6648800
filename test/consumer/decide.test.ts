import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  decide,
  liveIncoming,
  replayedIncoming,
  shouldApply,
  VersionedStore,
  withoutReplayMetadata,
  type Incoming,
  type Version,
} from '../../src/consumer/index.ts';

const SHARD = 'shardId-000000000000';
const at = (ms: number, sequence: string, sub = 0): Version => ({
  stream: 'orders',
  shard_id: SHARD,
  sequence_number: sequence,
  sub_sequence_number: sub,
  arrival_time: new Date(Date.UTC(2026, 10, 27) + ms).toISOString(),
});
const watermark = { captured_at: '2026-11-27T12:00:00.000Z', shards: { [SHARD]: '500' } };
const replayed = (origin: Version, fields: Record<string, unknown> = {}) => ({
  order_id: 'o1',
  status: 'shipped',
  ...fields,
  _wshed: { v: 1, replay_id: 'r-1', replay: 'rebuild', origin, watermark },
});
const live = (version: Version): Incoming => ({ kind: 'live', version });
const replay = (version: Version, overwrite = false): Incoming => replayedIncoming(replayed(version, overwrite ? { overwrite: true } : {}))!;

const older = at(1000, '100');
const newer = at(2000, '200');

test('a record is applied to an empty key, and when it is newer', () => {
  assert.equal(decide(live(older), undefined), { apply: true, reason: 'no-stored-value' });
  assert.equal(decide(replay(older), null), { apply: true, reason: 'no-stored-value' });
  assert.equal(decide(live(newer), older), { apply: true, reason: 'newer' });
  assert.equal(decide(replay(newer), older), { apply: true, reason: 'newer' });
});

test('an older record is skipped, live or replayed', () => {
  assert.equal(decide(live(older), newer), { apply: false, reason: 'older' });
  assert.equal(decide(replay(older), newer), { apply: false, reason: 'older' });
});

test('the same record again (redelivery, or seen both live and replayed) is skipped', () => {
  assert.equal(decide(live(older), older), { apply: false, reason: 'same-version' });
  assert.equal(decide(replay(older), older), { apply: false, reason: 'same-version' });
  assert.equal(decide(replay(older, true), older), { apply: false, reason: 'same-version' });
});

test('overwrite: true never replaces a newer stored version (a live record the replay could not see)', () => {
  assert.equal(decide(replay(older, true), newer), { apply: false, reason: 'older' });
  assert.equal(decide(replay(newer, true), older), { apply: true, reason: 'newer' });
});

test('legacy state of unknown version: live records and overwrite replays replace it, plain replays do not', () => {
  assert.equal(decide(live(older), 'unversioned'), { apply: true, reason: 'live-over-unversioned' });
  assert.equal(decide(replay(older, true), 'unversioned'), { apply: true, reason: 'overwrite-unversioned' });
  assert.equal(decide(replay(older), 'unversioned'), { apply: false, reason: 'unversioned-kept' });
});

test('overwrite means exactly top-level overwrite: true', () => {
  assert.is((replayedIncoming(replayed(older, { overwrite: true })) as { overwrite: boolean }).overwrite, true);
  assert.is((replayedIncoming(replayed(older, { overwrite: 'true' })) as { overwrite: boolean }).overwrite, false);
  assert.is((replayedIncoming(replayed(older)) as { overwrite: boolean }).overwrite, false);
});

test('replayedIncoming carries the version and metadata; records without _wshed are not replayed', () => {
  const incoming = replayedIncoming(replayed(older))!;
  assert.is(incoming.kind, 'replayed');
  assert.equal(incoming.version, older);
  assert.is(replayedIncoming({ order_id: 'o1' }), null);
  assert.is(replayedIncoming({ _wshed: { v: 1 } }), null);
});

test('liveIncoming builds the version from the Kinesis metadata; shouldApply is decide().apply', () => {
  const incoming = liveIncoming({ streamName: 'orders', shardId: SHARD, sequenceNumber: '200', approximateArrivalTimestamp: new Date(Date.UTC(2026, 10, 27) + 2000) });
  assert.equal(incoming, { kind: 'live', version: newer });
  assert.is(shouldApply(incoming, older), true);
  assert.is(shouldApply(incoming, newer), false);
});

test('the same record live and replayed has the same version (the replay copies the reservoir position)', () => {
  const arrival = new Date(Date.UTC(2026, 10, 27, 10, 0, 0, 250));
  const fromLive = liveIncoming({ streamName: 'orders', shardId: SHARD, sequenceNumber: '42', subSequenceNumber: 1, approximateArrivalTimestamp: arrival });
  const fromReplay = replay({ stream: 'orders', shard_id: SHARD, sequence_number: '42', sub_sequence_number: 1, arrival_time: arrival.toISOString() });
  assert.equal(decide(fromReplay, fromLive.version), { apply: false, reason: 'same-version' });
});

test('withoutReplayMetadata drops _wshed and keeps the payload and annotations', () => {
  assert.equal(withoutReplayMetadata(replayed(older, { overwrite: true })), { order_id: 'o1', status: 'shipped', overwrite: true });
  assert.equal(withoutReplayMetadata({ a: 1 }), { a: 1 });
  assert.is(withoutReplayMetadata(7), 7);
});

test('the store: a tombstone keeps an older replayed record from reviving a deleted key', () => {
  const store = new VersionedStore<string>();
  assert.equal(store.put('o1', 'created', live(at(0, '1'))), { apply: true, reason: 'no-stored-value' });
  assert.equal(store.delete('o1', live(at(10, '2'))), { apply: true, reason: 'newer' });
  assert.is(store.get('o1'), undefined);
  // A replay bounded before the delete (until …) carries the pre-delete value.
  assert.equal(store.put('o1', 'created', replay(at(0, '1'), true)), { apply: false, reason: 'older' });
  assert.is(store.get('o1'), undefined);
  assert.equal(store.entry('o1'), { kind: 'tombstone', version: at(10, '2') });
  // A newer write after the delete brings the key back.
  store.put('o1', 'recreated', live(at(20, '3')));
  assert.is(store.get('o1'), 'recreated');
});

test('the store: without overwrite, a replay leaves legacy state alone; with it, legacy state is replaced', () => {
  const store = new VersionedStore<string>();
  store.seedUnversioned('o1', 'legacy');
  store.seedUnversioned('o2', 'legacy');
  assert.is(store.storedVersion('o1'), 'unversioned');
  store.put('o1', 'replayed', replay(older));
  store.put('o2', 'replayed', replay(older, true));
  assert.equal([...store.values()], [['o1', 'legacy'], ['o2', 'replayed']]);
  assert.is(store.size, 2);
});

test.run();
