// Replays through the real CLI as a user runs them, again and again: `wshed run` brings each replay
// up to date (an empty first run, data arrives, the second run emits it, the third emits nothing),
// a changed replay is skipped with what changed, an oversize record has a way out whose hints name
// commands that work (they are run here), DuckDB failures are one coded line, and looking (preview,
// dry run) starts nothing and creates nothing. The destination is read back from the local service.

import { existsSync, readdirSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readReplayMetadata } from '../../src/consumer/version.ts';
import { createStreamService } from '../../src/runtime/kinesis/aws-stream-service.ts';
import { localKinesisEndpoint } from '../../src/runtime/kinesis/client.ts';
import type { StreamService } from '../../src/runtime/kinesis/stream-service.ts';
import { readReplayed } from '../runtime/helpers/fault-proxy.ts';
import { Scratch, type Run } from './helpers.ts';

const scratch = new Scratch();
let streams: StreamService;
test.before(() => {
  const started = JSON.parse(ok(['local', 'start', '--port', '0', '--json'])) as { port: number };
  streams = createStreamService(localKinesisEndpoint(started.port));
});
test.after(() => {
  streams?.close();
  scratch.dispose();
});

function ok(args: string[], input?: string): string {
  const r = scratch.wshed(args, input);
  assert.is(r.code, 0, `wshed ${args.join(' ')} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

function write(name: string, text: string): void {
  writeFileSync(path.join(scratch.dir, name), text);
}

function put(stream: string, file: string, lines: readonly string[]): void {
  write(`${stream}.ndjson`, lines.join('\n') + '\n');
  ok(['put', stream, '--file', `${stream}.ndjson`, '--pipeline', file]);
}

function noStack(r: Run): void {
  assert.not.match(r.stderr, /\n\s+at /, `a stack trace:\n${r.stderr}`);
}

/** The commands a hint names in quotes: `'wshed …'`. */
function commandsIn(text: string): string[][] {
  return [...text.matchAll(/'wshed ([^']+)'/g)].map((m) => m[1].split(' '));
}

const INCREMENTAL = `
stream orders { shards 2 key order_id }
stream latest { shards 2 }
reservoir orders_archive { from stream orders at "./reservoir/orders" }
replay latest from archive+live compact by key annotate <overwrite: true> into stream latest
`;

test('run brings a replay up to date: empty first run, data arrives, the second run emits it, the third emits nothing', async () => {
  write('inc.wshed', INCREMENTAL);
  const first = ok(['run', 'inc.wshed']);
  assert.match(first, /replay latest: nothing to replay: its slice is empty/);

  put('orders', 'inc.wshed', Array.from({ length: 30 }, (_, i) => JSON.stringify({ order_id: `o-${i % 10}`, n: i })));
  const second = ok(['run', 'inc.wshed']);
  assert.match(second, /emitted 10 records into latest/, second);
  let out = await readReplayed(streams, 'latest');
  assert.is(out.records.length, 10, 'the last record of each of the 10 keys');
  assert.is(out.markers.length, 2, "one marker per destination shard with the run's watermark");

  const third = ok(['run', 'inc.wshed']);
  assert.match(third, /replay latest: up to date: nothing entered its slice since run [0-9a-f-]{36}/, third);
  assert.match(third, /--replay-again/);
  assert.is((await readReplayed(streams, 'latest')).records.length, 10, 'nothing sent again');
  assert.match(ok(['replay', 'inc.wshed', 'latest']), /up to date: nothing entered its slice since run/);

  // New records for 3 keys (one new key): only those keys' last records go out.
  put('orders', 'inc.wshed', [{ order_id: 'o-1', n: 100 }, { order_id: 'o-2', n: 101 }, { order_id: 'o-1', n: 102 }, { order_id: 'o-99', n: 103 }].map((o) => JSON.stringify(o)));
  const fourth = ok(['run', 'inc.wshed']);
  assert.match(fourth, /emitted 3 records into latest/, fourth);
  assert.match(fourth, /brought up to date since run/);
  out = await readReplayed(streams, 'latest');
  const ns = out.records.map((r) => (JSON.parse(r.data.toString()) as { n: number }).n).slice(10).sort((a, b) => a - b);
  assert.equal(ns, [101, 102, 103]);
  // Records of a later run name their own run; each run's marker precedes them.
  const ids = new Set(out.records.slice(10).map((r) => (readReplayMetadata(JSON.parse(r.data.toString())) as { metadata: { replay_id: string } }).metadata.replay_id));
  assert.is(ids.size, 1);
  assert.is(out.markers.length, 4);

  // --again repeats the whole slice under a new id.
  assert.match(ok(['replay', 'inc.wshed', 'latest', '--again']), /emitted 11 records into latest/);
});

test('a changed replay is skipped by run with what changed; replay refuses it (WS761) and the hint that names --again works', () => {
  write('inc.wshed', INCREMENTAL.replace('compact by key', "compact by key where n > 5 since 2020-01-01"));
  const run = ok(['run', 'inc.wshed']);
  assert.match(run, /skipped: replay 'latest' changed since its last completed run/);
  assert.match(run, /where: \(none\) → 'n > 5'/);
  assert.match(run, /since: \(none\) → '2020-01-01T00:00:00.000Z'/);
  assert.match(run, /1 skipped/);
  const r = scratch.wshed(['replay', 'inc.wshed', 'latest']);
  assert.is(r.code, 1);
  assert.match(r.stderr, /error\[WS761\]/);
  noStack(r);
  const [again] = commandsIn(r.stderr.split('= fix:')[1]);
  assert.equal(again, ['replay', 'inc.wshed', 'latest', '--again']);
  assert.match(ok(again), /emitted 11 records into latest/, 'the last record of each of the 11 keys, all with n > 5');
  assert.match(ok(['run', 'inc.wshed']), /up to date/);
});

test('nothing to resume (WS754) and an unreadable checkpoint (WS758): the commands their hints name work', () => {
  // inc.wshed as the previous test left it (where n > 5), replayed in full there.
  let r = scratch.wshed(['replay', 'inc.wshed', 'latest', '--resume']);
  assert.is(r.code, 1);
  assert.match(r.stderr, /error\[WS754\]: replay 'latest' has no unfinished run to resume \(its last run [0-9a-f-]{36} completed at /);
  noStack(r);
  const [plain] = commandsIn(r.stderr.split('= fix:')[1]);
  assert.equal(plain, ['replay', 'inc.wshed', 'latest']);
  assert.match(ok(plain), /up to date/);

  writeFileSync(path.join(scratch.dir, '.wshed', 'replays', 'latest.json'), '{"kind": "replay-checkpoint", "vers');
  r = scratch.wshed(['replay', 'inc.wshed', 'latest']);
  assert.is(r.code, 1);
  assert.match(r.stderr, /error\[WS758\]: the replay checkpoint .*latest\.json cannot be used: not valid JSON/);
  noStack(r);
  const [restart] = commandsIn(r.stderr.split('= fix:')[1]);
  assert.equal(restart, ['replay', 'inc.wshed', 'latest', '--restart']);
  assert.match(ok(restart), /emitted 11 records into latest/, 'started over: the whole slice');
  assert.match(ok(['run', 'inc.wshed']), /replay latest: up to date/);
});

test('a relative bound that moves with the clock is no change', () => {
  write('rel.wshed', INCREMENTAL.replace('compact by key', 'since 30d ago until now compact by key').replace(/latest/g, 'recent'));
  ok(['run', 'rel.wshed']);
  const again = ok(['run', 'rel.wshed']);
  assert.match(again, /replay recent: (up to date|.*brought up to date)/, again);
  assert.not.match(again, /skipped/);
});

const BIG = `
stream big_in { shards 1 }
stream big_out { shards 1 }
reservoir big_archive { from stream big_in at "./reservoir/big" }
replay big from archive into stream big_out rate 20/s
`;

test('an oversize record: every hint names a command that works, and --restart with the edited file finishes the replay', async () => {
  write('big.wshed', BIG);
  const small = (n: number) => JSON.stringify({ n });
  // Under the 1 MiB limit as sent, over it once annotated.
  const huge = JSON.stringify({ n: 3, blob: 'x'.repeat(1024 * 1024 - 140) });
  put('big_in', 'big.wshed', [small(0), small(1), small(2), huge, small(4), small(5)]);

  let r = scratch.wshed(['run', 'big.wshed']);
  assert.is(r.code, 1, r.stdout + r.stderr);
  noStack(r);
  assert.match(r.stderr, /error\[WS757\]: replay 'big': the record at shardId-000000000000\/\d+\/0 is [\d,]+ bytes once annotated/);
  const where = /e\.g\. (where not \([^)]*\))/.exec(r.stderr)?.[1];
  assert.ok(where, r.stderr);
  const [restart] = commandsIn(r.stderr.split('= fix:')[1]);
  assert.equal(restart, ['replay', 'big.wshed', 'big', '--restart']);
  assert.is((await readReplayed(streams, 'big_out')).records.length, 3, 'the records before it were sent: the run stopped right before it');

  // A plain run is refused with both ways on; resuming as it started meets the record again.
  r = scratch.wshed(['replay', 'big.wshed', 'big']);
  assert.is(r.code, 1);
  assert.match(r.stderr, /error\[WS753\]: replay 'big' has an unfinished run/);
  const named = commandsIn(r.stderr.split('= fix:')[1]);
  assert.equal(named, [['replay', 'big.wshed', 'big', '--resume'], ['replay', 'big.wshed', 'big', '--restart']]);
  r = scratch.wshed(named[0]);
  assert.is(r.code, 1);
  assert.match(r.stderr, /error\[WS757\]/, 'the resumed run keeps the SQL it started with');

  // As the hint says: exclude it with where, then --restart.
  write('big.wshed', BIG.replace('rate 20/s', `rate 20/s ${where}`));
  const done = ok(restart);
  assert.match(done, /emitted 5 records into big_out/, done);
  const sent = (await readReplayed(streams, 'big_out')).records.map((x) => (JSON.parse(x.data.toString()) as { n: number }).n);
  assert.equal([...new Set(sent)].sort(), [0, 1, 2, 4, 5], 'every record but the oversize one');
  assert.match(ok(['run', 'big.wshed']), /replay big: up to date/);
});

test('a resume whose file changed since the run started says so and shows what differs', () => {
  write('edit.wshed', BIG.replace(/big/g, 'edit'));
  put('edit_in', 'edit.wshed', [JSON.stringify({ n: 0 }), JSON.stringify({ n: 1, blob: 'x'.repeat(1024 * 1024 - 140) }), JSON.stringify({ n: 2 })]);
  assert.is(scratch.wshed(['run', 'edit.wshed']).code, 1);
  write('edit.wshed', BIG.replace(/big/g, 'edit').replace('rate 20/s', 'rate 20/s where n != 1'));
  const r = scratch.wshed(['replay', 'edit.wshed', 'edit', '--resume']);
  assert.match(r.stderr, /note: the replay changed since its unfinished run [0-9a-f-]{36} started .*; the run resumes as it started:\n\s+~ where: \(none\) → 'n != 1'/);
  assert.match(r.stderr, /to use the file as it is now, abandon that run: wshed replay edit\.wshed edit --restart/);
  assert.match(r.stderr, /error\[WS757\]/, 'resumed as it started: the same SQL meets the same record');
});

test('a DuckDB failure in replay, --preview and --dry-run is one coded line with the fix, and no stack', () => {
  write('duck.wshed', INCREMENTAL.replace(/latest/g, 'duck_copy').replace('orders_archive', 'duck_archive').replace('./reservoir/orders', './reservoir/duck'));
  put('orders', 'duck.wshed', [JSON.stringify({ order_id: 'd-1', n: 1 })]);
  ok(['archive', 'duck.wshed']);
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory() && e.name !== '_wshed') walk(path.join(dir, e.name));
      else if (/^part-.*\.json$/.test(e.name)) files.push(path.join(dir, e.name));
    }
  };
  walk(path.join(scratch.dir, 'reservoir', 'duck'));
  appendFileSync(files[0], '{"stream": "orders", "shard_id": \n');
  for (const flags of [['--preview', '1'], ['--dry-run'], []]) {
    const r = scratch.wshed(['replay', 'duck.wshed', 'duck_copy', ...flags]);
    assert.is(r.code, 1, `${flags.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^wshed: error\[WS762\]: replay 'duck_copy': DuckDB could not (run the replay query|count the replay's rows): Invalid Input Error: Malformed JSON in file/m);
    assert.match(r.stderr, /= fix: the file named above is not valid JSON: restore it from a copy, or move it out of duck_archive's folders/);
    noStack(r);
  }
});

test('--dry-run and --preview start no service and create no stream; a replay that creates its destination says so', async () => {
  const fresh = new Scratch();
  try {
    writeFileSync(path.join(fresh.dir, 'p.wshed'), INCREMENTAL);
    const r = fresh.wshed(['replay', 'p.wshed', 'latest', '--dry-run']);
    assert.is(r.code, 1);
    assert.match(r.stderr, /error\[WS701\]: the local Kinesis service is not running/);
    assert.not.match(r.stderr, /started the local Kinesis service/);
    assert.match(fresh.wshed(['local', 'status']).stdout, /not running/);
    assert.not.ok(existsSync(path.join(fresh.dir, '.wshed', 'kinesis', 'service.json')) && fresh.wshed(['local', 'status']).code === 0);
  } finally {
    fresh.dispose();
  }
  write('new-dest.wshed', INCREMENTAL.replace(/latest/g, 'brand_new'));
  const dry = scratch.wshed(['replay', 'new-dest.wshed', 'brand_new', '--dry-run']);
  assert.is(dry.code, 0, dry.stderr);
  assert.match(dry.stderr, /note: stream brand_new does not exist yet; 'wshed replay' or 'wshed run' would create it \(2 shards\)/);
  assert.match(dry.stdout, /would send \d+ records as \d+ Kinesis records? \([\d.]+ (B|KiB)\) into brand_new; nothing emitted/);
  assert.is(await streams.describeStream('brand_new'), null, 'the dry run created nothing');
  assert.is(scratch.wshed(['replay', 'new-dest.wshed', 'brand_new', '--preview', '1']).code, 0);
  assert.is(await streams.describeStream('brand_new'), null, 'the preview created nothing');
  const emit = scratch.wshed(['replay', 'new-dest.wshed', 'brand_new']);
  assert.is(emit.code, 0, emit.stderr);
  assert.match(emit.stderr, /created stream brand_new \(2 shards\)/);
  assert.ok(await streams.describeStream('brand_new'));
});

test('the marker file beside the reservoir holds each run\'s watermark', () => {
  const folder = path.join(scratch.dir, 'reservoir', 'orders', '_wshed', 'replays');
  const markers = readdirSync(folder).map((f) => JSON.parse(readFileSync(path.join(folder, f), 'utf8')) as { marker: string; replay: string; watermark: { shards: Record<string, string> } });
  assert.ok(markers.length >= 3);
  for (const m of markers) {
    assert.is(m.marker, 'replay-run');
    assert.ok(Object.keys(m.watermark.shards).length > 0);
  }
});

test.run();
