import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildPlan } from '../../src/compiler/plan/build.ts';
import { REPLAY_METADATA_FIELD } from '../../src/compiler/record-layout.ts';
import { NOW, ids, localConfig, model, orderProblems, ordersArchive, ordersFirehose, rebuild, step } from './fixtures.ts';

const plan = (m = model()) => buildPlan(m, localConfig(), { pipeline: 'pipelines/orders.wshed', now: NOW });

test('local plan: service, streams, folders, then archive, views, query and replay', () => {
  const { plan: p, diagnostics } = plan();
  assert.equal(diagnostics, []);
  assert.is(p.target, 'local');
  assert.is(p.now, '2026-11-27T12:00:00.000Z');
  assert.is(p.pipeline, 'pipelines/orders.wshed');
  assert.equal(ids(p), [
    'service.local',
    'stream.orders',
    'stream.orders_rebuilt',
    'reservoir.orders_archive',
    'archive.orders_archive',
    'views.orders_archive',
    'query.big_customers',
    'replay.rebuild',
  ]);
  assert.equal(orderProblems(p), []);
  assert.equal(
    p.steps.map((s) => s.action),
    ['create', 'create', 'create', 'create', 'run', 'read', 'read', 'run'],
  );
});

test('local plan: steps carry the settings and model values', () => {
  const { plan: p } = plan();
  const service = step(p, 'service.local', 'local-service');
  assert.equal([service.port, service.home], [4567, '.wshed']);
  const orders = step(p, 'stream.orders', 'stream');
  assert.equal([orders.shards, orders.retentionHours, orders.after], [2, 24, ['service.local']]);
  assert.is(step(p, 'reservoir.orders_archive', 'reservoir-folder').path, './.wshed/reservoir/orders_archive');
  const archive = step(p, 'archive.orders_archive', 'archive');
  assert.equal(archive.after, ['stream.orders', 'reservoir.orders_archive']);
  assert.equal([archive.via, archive.everySeconds, archive.location], ['archiver', 3600, ordersArchive.location]);
  assert.equal(step(p, 'views.orders_archive', 'reservoir-views').after, ['archive.orders_archive']);
  assert.equal(step(p, 'query.big_customers', 'query').after, ['views.orders_archive']);
});

test('local replay: waits for its archive and both streams; ends with annotate and emit', () => {
  const { plan: p } = plan();
  const replay = step(p, 'replay.rebuild', 'replay');
  assert.equal(replay.after, ['archive.orders_archive', 'stream.orders', 'stream.orders_rebuilt']);
  assert.equal([replay.source, replay.reservoir, replay.stream, replay.into], ['archive+live', 'orders_archive', 'orders', 'orders_rebuilt']);
  const tail = replay.operators.filter((o) => !o.pushedDown);
  assert.equal(tail, [
    { op: 'annotate', pushedDown: false, fields: [{ key: 'reason', value: 'backfill' }], metadataField: REPLAY_METADATA_FIELD },
    { op: 'emit', pushedDown: false, stream: 'orders_rebuilt', partitionKey: { kind: 'meta', name: 'partition_key' }, ratePerSecond: 500, shardBudgetFraction: 0.8 },
  ]);
  // Pushed-down operators come first, as the SQL runs before anything is emitted.
  const firstLocal = replay.operators.findIndex((o) => !o.pushedDown);
  assert.ok(replay.operators.slice(firstLocal).every((o) => !o.pushedDown));
  assert.ok(typeof replay.sql.duckdb === 'string' && replay.sql.duckdb.length > 0);
});

test('local replay: annotate is always there; aggregate sits between annotate and emit', () => {
  const m = model({ replays: [{ ...rebuild, annotate: [], aggregate: true, ratePerSecond: null }] });
  const replay = step(plan(m).plan, 'replay.rebuild', 'replay');
  assert.equal(
    replay.operators.filter((o) => !o.pushedDown).map((o) => o.op),
    ['annotate', 'aggregate', 'emit'],
  );
  const annotate = replay.operators.find((o) => o.op === 'annotate');
  assert.equal(annotate, { op: 'annotate', pushedDown: false, fields: [], metadataField: REPLAY_METADATA_FIELD });
});

test('WS501: s3 locations and firehose archiving are not available locally', () => {
  const s3 = { ...ordersArchive, name: 'remote', location: { kind: 's3' as const, bucket: 'b-bucket', prefix: 'x' } };
  const { plan: p, diagnostics } = plan(model({ reservoirs: [ordersArchive, s3, ordersFirehose], replays: [], queries: [] }));
  assert.equal(
    diagnostics.map((d) => [d.code, d.severity, d.message, d.span]),
    [
      ['WS501', 'error', "s3 reservoir location is not supported on target 'local'", s3.span],
      ['WS501', 'error', "archiving via firehose is not supported on target 'local'", ordersFirehose.span],
    ],
  );
  assert.not.ok(ids(p).includes('reservoir.remote'));
  assert.equal(orderProblems(p), []);
});

test('WS402: a rate above the destination shard budget', () => {
  const fast = { ...rebuild, ratePerSecond: 5000 };
  const { diagnostics } = plan(model({ replays: [fast] }));
  assert.equal(
    diagnostics.map((d) => [d.code, d.severity, d.span, d.message]),
    [['WS402', 'warning', rebuild.span, "rate 5000/s is above the 800 records/s that 'orders_rebuilt' accepts (1 shard); the replay will be held to the budget"]],
  );
  // Exactly at the budget is fine.
  assert.equal(plan(model({ replays: [{ ...rebuild, ratePerSecond: 800 }] })).diagnostics, []);
});

test('WS403: archiving no more often than the stream keeps records', () => {
  const slow = { ...ordersArchive, archive: { via: 'archiver' as const, everySeconds: 24 * 3600 } };
  const { diagnostics } = plan(model({ reservoirs: [slow] }));
  assert.equal(
    diagnostics.map((d) => [d.code, d.severity, d.span, d.message]),
    [['WS403', 'warning', slow.span, "archiving every 24h may fall behind retention of 24h for stream 'orders'"]],
  );
});

test('a model with nothing but a stream plans the service and the stream', () => {
  const { plan: p, diagnostics } = plan({ streams: [model().streams[0]], reservoirs: [], queries: [], replays: [] });
  assert.equal(diagnostics, []);
  assert.equal(ids(p), ['service.local', 'stream.orders']);
});

test('the same inputs give the same plan', () => {
  assert.equal(plan().plan, plan().plan);
});

test.run();
