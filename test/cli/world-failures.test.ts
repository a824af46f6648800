// Failures of the outside world through the installed CLI: a disk that fills up while archiving (a
// real tmpfs mounted by the test), the local Kinesis service killed in the middle of `put` and of
// `archive`, and a corrupt archive checkpoint. Each ends with one coded line and its fix, no stack
// trace, exit code 1 — and loses or duplicates nothing: the next run after the fix completes.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createStreamService } from '../../src/runtime/kinesis/aws-stream-service.ts';
import { localKinesisEndpoint } from '../../src/runtime/kinesis/client.ts';
import { Scratch, type Run } from './helpers.ts';

const scratch = new Scratch();
const at = (...p: string[]) => path.join(scratch.dir, ...p);
const FULL = at('full');
const READ_ONLY = at('read-only');
const mounts: string[] = [];

/** Mounts a tmpfs at `dir` (we are root here and in CI); says so plainly when that is not allowed. */
function mountTmpfs(dir: string, options: string): void {
  mkdirSync(dir, { recursive: true });
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`this test needs to mount a small tmpfs (run as root): ${r.stderr.trim()}`);
  mounts.push(dir);
}

const pipeline = (name: string, location: string) =>
  `stream ${name} { shards 2 key order_id }\nreservoir ${name}_archive { from stream ${name} at "${location}" }\n`;
writeFileSync(at('disk.wshed'), pipeline('disk', './full/reservoir'));
writeFileSync(at('gone.wshed'), pipeline('gone', './gone-reservoir'));
writeFileSync(at('cp.wshed'), pipeline('cp', './cp-reservoir'));
writeFileSync(at('ro.wshed'), pipeline('ro', './read-only/reservoir'));

function orders(file: string, n: number, pad = 0): void {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(JSON.stringify({ order_id: `${file}-${i}`, pad: 'x'.repeat(pad) }));
  writeFileSync(at(file), lines.join('\n') + '\n');
}

const ok = (args: string[]) => {
  const r = scratch.wshed(args);
  assert.is(r.code, 0, `wshed ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
};

/** One coded line and its fix: exit 1, no stack trace. */
function assertOneLine(r: Run, code: string): void {
  assert.is(r.code, 1, `expected exit 1, got ${r.code}:\n${r.stderr}`);
  assert.match(r.stderr, new RegExp(`^wshed: error\\[${code}\\]: .*\\n  = fix: .*\\n$`), r.stderr);
  assert.not.match(r.stderr, /\n\s+at /);
}

/** Every archived record (valid files only), by its (shard, sequence, sub-sequence). */
function archived(root: string): { total: number; unique: number } {
  const seen = new Set<string>();
  let total = 0;
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory() && e.name !== '_wshed' && e.name !== '_quarantine') walk(full);
      else if (e.isFile() && /^part-.*\.json$/.test(e.name)) {
        for (const line of readFileSync(full, 'utf8').split('\n').filter(Boolean)) {
          const r = JSON.parse(line) as { shard_id: string; sequence_number: string; sub_sequence_number: number };
          seen.add(`${r.shard_id}/${r.sequence_number}/${r.sub_sequence_number}`);
          total++;
        }
      }
    }
  };
  if (existsSync(root)) walk(root);
  return { total, unique: seen.size };
}

/** Every file under `root` with its content, to show that nothing changed. */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else out[path.relative(root, full)] = readFileSync(full, 'base64');
    }
  };
  walk(root);
  return out;
}

async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Kills the local service like a crash would, and waits until it is gone. */
async function killService(pid: number): Promise<void> {
  process.kill(pid, 'SIGKILL');
  await waitFor(`pid ${pid} to end`, () => {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    // A zombie nobody reaped yet is dead too.
    return / Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\)/, ')'));
  });
}

function servicePid(): { pid: number; port: number } {
  const status = JSON.parse(ok(['local', 'status', '--json'])) as { pid: number; port: number };
  return { pid: status.pid, port: status.port };
}

test.before(() => {
  ok(['local', 'start', '--port', '0']);
});

test.after(() => {
  for (const dir of mounts) spawnSync('umount', ['-l', dir]);
  scratch.dispose();
});

test('a disk that fills up while archiving is WS732; after freeing space the archive completes, each record once', () => {
  // A real full disk: a 256 KiB tmpfs.
  mountTmpfs(FULL, 'size=256k');
  orders('disk.ndjson', 4_000, 100); // ~ 600 KB once archived
  ok(['put', 'disk', '--pipeline', 'disk.wshed', '--file', 'disk.ndjson']);

  const full = scratch.wshed(['archive', 'disk.wshed']);
  assertOneLine(full, 'WS732');
  assert.match(full.stderr, /no space left on the device holding .*full\/reservoir while archiving stream 'disk'/);
  assert.match(full.stderr, /fix: free space .* run the archive again/);
  // The checkpoint claims nothing that no visible file holds, and the failed chunk gave its space back.
  const checkpoint = at('full/reservoir/_wshed/checkpoint.json');
  const claimed = existsSync(checkpoint)
    ? Object.values((JSON.parse(readFileSync(checkpoint, 'utf8')) as { shards: Record<string, { records: number }> }).shards).reduce((n, s) => n + s.records, 0)
    : 0;
  const before = archived(at('full/reservoir'));
  assert.is(before.total, claimed);
  const staging = at('full/reservoir/_wshed/staging');
  assert.equal(existsSync(staging) ? readdirSync(staging) : [], []);

  const grow = spawnSync('mount', ['-o', 'remount,size=16m', FULL], { encoding: 'utf8' });
  assert.is(grow.status, 0, grow.stderr);
  const again = JSON.parse(ok(['archive', 'disk.wshed', '--json'])) as { records: number };
  assert.is(again.records, 4_000 - claimed);
  assert.equal(archived(at('full/reservoir')), { total: 4_000, unique: 4_000 });
});

test('the Kinesis service killed during put is WS733, saying how many records were acknowledged', async () => {
  orders('gone.ndjson', 60_000);
  const { pid, port } = servicePid();
  const streams = createStreamService(localKinesisEndpoint(port));
  const put = scratch.start(['put', 'gone', '--pipeline', 'gone.wshed', '--file', 'gone.ndjson']);
  try {
    // Kill the service once the first records are in the stream: put is then in mid-run.
    await waitFor('the first records in the stream', async () => {
      for (const shard of await streams.listShards('gone').catch(() => [])) {
        const iterator = await streams.shardIterator('gone', shard.shardId, { kind: 'trim-horizon' });
        if ((await streams.getRecords(iterator, 1)).records.length > 0) return true;
      }
      return false;
    });
  } finally {
    streams.close();
  }
  await killService(pid);
  const r = await put.done;
  assertOneLine(r, 'WS733');
  assert.match(r.stderr, /cannot reach the Kinesis service at 127\.0\.0\.1:\d+ \((connection refused|connection reset)/);
  assert.match(r.stderr, /while putting records into 'gone'; the first \d+ of 60000 records were acknowledged/);
  assert.match(r.stderr, /fix: check that it runs \('wshed local status'.*send only the records after the first \d+/);
  const acknowledged = Number(/the first (\d+) of/.exec(r.stderr)![1]);
  assert.ok(acknowledged < 60_000);
});

test('the Kinesis service killed during archive is WS733; the next archive completes, each record once', async () => {
  ok(['local', 'start', '--port', '0']); // its data survived the kill
  orders('more.ndjson', 40_000);
  ok(['put', 'gone', '--pipeline', 'gone.wshed', '--file', 'more.ndjson']);
  const { pid } = servicePid();
  const archive = scratch.start(['archive', 'gone.wshed']);
  // The archiver holds the reservoir's lease from before its first read to after its last write.
  await waitFor('the archive to start', () => existsSync(at('gone-reservoir/_wshed/archive.lease')));
  await killService(pid);
  const r = await archive.done;
  assertOneLine(r, 'WS733');
  assert.match(r.stderr, /cannot reach the Kinesis service at 127\.0\.0\.1:\d+ .* while archiving stream 'gone' into reservoir 'gone_archive'/);
  assert.match(r.stderr, /run the archive again: it goes on from its checkpoint/);

  ok(['local', 'start', '--port', '0']);
  const inStream = JSON.parse(ok(['archive', 'gone.wshed', '--json'])) as { records: number };
  const total = archived(at('gone-reservoir'));
  assert.is(total.total, total.unique, 'no record archived twice');
  assert.ok(total.total >= 40_000, `only ${total.total} records archived`);
  assert.ok(inStream.records > 0);
  assert.is(JSON.parse(ok(['archive', 'gone.wshed', '--json'])).records, 0);
});

test('a reservoir on a read-only file system is WS735 from the top-level handler, naming the folder', () => {
  mountTmpfs(READ_ONLY, 'ro,size=64k');
  const r = scratch.wshed(['archive', 'ro.wshed']);
  assertOneLine(r, 'WS735');
  assert.match(r.stderr, /creating the folder .*read-only\/reservoir.* was refused \(read-only file system\)/);
});

test('a corrupt archive checkpoint is WS734 naming the file and the way out; nothing changes', () => {
  orders('cp.ndjson', 50);
  ok(['put', 'cp', '--pipeline', 'cp.wshed', '--file', 'cp.ndjson']);
  ok(['archive', 'cp.wshed']);
  const checkpoint = at('cp-reservoir/_wshed/checkpoint.json');
  const good = JSON.parse(readFileSync(checkpoint, 'utf8')) as Record<string, unknown>;
  for (const [garbage, why] of [
    ['{"kind": "archive-checkp', /not valid JSON/],
    [JSON.stringify({ ...good, shards: { 'shardId-000000000000': { sequenceNumber: 7 } } }), /shard 'shardId-000000000000': 'sequenceNumber' is not a string or null/],
    ['[]', /not a JSON object/],
  ] as const) {
    writeFileSync(checkpoint, garbage);
    const before = snapshot(at('cp-reservoir'));
    const mtime = statSync(checkpoint).mtimeMs;
    for (const args of [['archive', 'cp.wshed'], ['query', 'cp.wshed', 'SELECT count(*) FROM cp_archive']]) {
      const r = scratch.wshed(args);
      assertOneLine(r, 'WS734');
      assert.match(r.stderr, new RegExp(`the archive checkpoint ${checkpoint.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is unreadable \\(`));
      assert.match(r.stderr, why);
      assert.match(r.stderr, /nothing was changed\n  = fix: restore .*checkpoint\.json from a copy; or move it and the reservoir's dt=\* folders out of/);
    }
    assert.equal(snapshot(at('cp-reservoir')), before);
    assert.is(statSync(checkpoint).mtimeMs, mtime);
  }
  writeFileSync(checkpoint, JSON.stringify(good));
  assert.is(JSON.parse(ok(['archive', 'cp.wshed', '--json'])).records, 0, 'the restored checkpoint works again');
});

test.run();
