// The embedded default end to end through the real CLI: start the local service, put records,
// run a pipeline (provision + archive), tail, reject bad input without sending anything, and
// keep the stream's data across a stop and start of the service.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Scratch } from './helpers.ts';

const PIPELINE = `
stream orders { shards 2 key order_id }
reservoir orders_archive { from stream orders at "./reservoir/orders" }
`;

const scratch = new Scratch();
const file = path.join(scratch.dir, 'p.wshed');
writeFileSync(file, PIPELINE);
const orders = Array.from({ length: 100 }, (_, i) => JSON.stringify({ order_id: `o-${i % 40}`, total: i }));
writeFileSync(path.join(scratch.dir, 'orders.ndjson'), orders.join('\n') + '\n');
writeFileSync(path.join(scratch.dir, 'bad.ndjson'), `${orders[0]}\n{"order_id": \n`);

test.after(() => scratch.dispose());

const ok = (args: string[], input?: string) => {
  const r = scratch.wshed(args, input);
  assert.is(r.code, 0, `wshed ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
};

test('local start runs the service in the background on 127.0.0.1', () => {
  const out = JSON.parse(ok(['local', 'start', '--port', '0', '--json'])) as { state: string; port: number };
  assert.is(out.state, 'running');
  assert.ok(out.port > 0);
  assert.match(ok(['local', 'status']), /^running on 127\.0\.0\.1:\d+/);
});

test('put sends JSON lines (keyed by the declared key), --raw sends a non-JSON line too', () => {
  assert.match(ok(['put', 'orders', '--file', 'orders.ndjson', '--pipeline', 'p.wshed']), /put 100 records into orders/);
  assert.match(ok(['put', 'orders', '--raw', '-'], 'this is not json\n'), /put 1 record into orders/);
});

test('a bad JSON line is reported with its position and nothing is sent', () => {
  const r = scratch.wshed(['put', 'orders', '--file', 'bad.ndjson']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /bad\.ndjson:2: not valid JSON/);
  assert.match(r.stderr, /nothing was sent/);
  assert.not.match(r.stderr, /\n\s+at /); // no stack trace
});

test('run provisions and archives every record once, the non-JSON one in quarantine', () => {
  const lines = ok(['run', 'p.wshed', '--json']).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const archive = lines.find((l) => l.kind === 'archive')!;
  assert.is(archive.records, 101);
  assert.is(archive.quarantined, 1);
  const again = ok(['archive', 'p.wshed', '--json']);
  assert.is((JSON.parse(again) as { records: number }).records, 0, 'a second archive writes nothing twice');
});

test('tail prints de-aggregated records from the oldest, up to --limit', () => {
  const out = ok(['tail', 'orders', '--from', 'trim-horizon', '--limit', '5', '--json']).trim().split('\n');
  assert.is(out.length, 5);
  const first = JSON.parse(out[0]) as { partition_key: string; data: { order_id: string }; shard_id: string };
  assert.match(first.shard_id, /^shardId-/);
  assert.is(first.data.order_id, first.partition_key, 'JSON data comes as JSON');
});

test("the stream's records survive a stop and start of the service", () => {
  assert.match(ok(['local', 'stop']), /stopped/);
  const status = scratch.wshed(['local', 'status']);
  assert.is(status.code, 1, 'status exits non-zero when the service is not running');
  assert.match(status.stdout, /not running/);
  const bad = scratch.wshed(['tail', 'orders', '--limit', '1']);
  assert.is(bad.code, 1);
  assert.match(bad.stderr, /WS701.*not running/);
  ok(['local', 'start', '--port', '0']);
  const out = ok(['tail', 'orders', '--from', 'trim-horizon', '--limit', '101']).trim().split('\n');
  assert.is(out.length, 101);
});

test('a replay over a reservoir with nothing archived yet emits nothing and succeeds', () => {
  writeFileSync(
    path.join(scratch.dir, 'quiet.wshed'),
    'stream quiet { shards 1 }\nstream quiet_copy { shards 1 }\nreservoir quiet_archive { from stream quiet at "./reservoir/quiet" }\nreplay copy from archive+live into stream quiet_copy\n',
  );
  const lines = ok(['run', 'quiet.wshed', '--json']).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const replay = lines.find((l) => l.kind === 'replay')!;
  assert.is(replay.emitted, 0);
  assert.is(replay.records, 0);
});

test('replay --preview shows records as they would be emitted and sends nothing', () => {
  writeFileSync(path.join(scratch.dir, 'copy.wshed'), `${PIPELINE}\nstream copies { shards 1 }\nreplay copy from archive compact by key annotate <replay: true> into stream copies\n`);
  const out = JSON.parse(ok(['replay', 'copy.wshed', 'copy', '--preview', '2', '--json'])) as { preview: { data: string }[]; emitted: number };
  assert.is(out.preview.length, 2);
  // _wshed version 2: the origin is the tuple [stream, shard_id, sequence_number, sub_sequence_number, arrival_time].
  const first = JSON.parse(out.preview[0].data) as { replay: boolean; _wshed: { v: number; origin: [string, string, string, number, string] } };
  assert.is(first.replay, true);
  assert.is(first._wshed.v, 2);
  assert.is(first._wshed.origin[0], 'orders');
  assert.is(out.emitted, 0);
  const done = JSON.parse(ok(['replay', 'copy.wshed', 'copy', '--json'])) as { emitted: number };
  assert.is(done.emitted, 40, 'one record per key (40 order ids)');
});

test('an invalid pipeline stops run with exit code 2 and positioned diagnostics', () => {
  writeFileSync(path.join(scratch.dir, 'bad.wshed'), 'stream orders { shard 2 }\n');
  const r = scratch.wshed(['run', 'bad.wshed']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /bad\.wshed:1:17: error\[WS106\]: unknown property 'shard'/);
});

test.run();
