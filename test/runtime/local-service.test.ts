import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs/promises';
import path from 'node:path';
import { createStreamService } from '../../src/runtime/kinesis/aws-stream-service.ts';
import { putAllRecords } from '../../src/runtime/kinesis/put-records.ts';
import { localServicePaths, resolveHome } from '../../src/runtime/local/home.ts';
import {
  ensureLocalService,
  localServiceEndpoint,
  localServiceStatus,
  runLocalServiceForeground,
  startLocalService,
  stopLocalService,
} from '../../src/runtime/local/service.ts';
import { isProcessAlive } from '../../src/runtime/pid-lock.ts';
import { isRuntimeError } from '../../src/runtime/runtime-error.ts';
import { jsonEntries, rejects, tempDir, type TempDir } from './helpers/local-kinesis.ts';

let dir: TempDir;
test.before.each(async () => {
  dir = await tempDir();
});
test.after.each(async () => {
  await stopLocalService(dir.path).catch(() => {});
  await dir.remove();
});

test('the home is $WSHED_HOME, else the configured folder, else .wshed in the working folder', () => {
  assert.is(resolveHome({ cwd: '/work/p', env: {} }), '/work/p/.wshed');
  assert.is(resolveHome({ cwd: '/work/p', configured: 'state', env: {} }), '/work/p/state');
  assert.is(resolveHome({ cwd: '/work/p', configured: 'state', env: { WSHED_HOME: '/var/wshed' } }), '/var/wshed');
});

test('the background service keeps its streams and records across stop and start', async () => {
  const home = dir.path;
  assert.is((await localServiceStatus(home)).state, 'stopped');
  const started = await startLocalService({ home, port: 0 });
  assert.ok(started.started);
  assert.ok(started.port! > 0);
  assert.ok(isProcessAlive(started.pid!));
  const record = JSON.parse(await fs.readFile(localServicePaths(home).serviceFile, 'utf8'));
  assert.is(record.pid, started.pid);
  assert.is(record.port, started.port);

  let streams = createStreamService(started.endpoint);
  await streams.ensureStream('orders', 1, 24);
  await putAllRecords(streams, 'orders', jsonEntries(25));
  streams.close();

  const again = await ensureLocalService(home, 0);
  assert.is(again.started, false, 'a running service is left as is');
  assert.is(again.pid, started.pid);

  const running = await localServiceStatus(home);
  assert.is(running.state, 'running');
  assert.equal(running.streams, ['orders']);

  const stopped = await stopLocalService(home);
  assert.ok(stopped.stopped);
  assert.is(isProcessAlive(started.pid!), false);
  assert.is((await localServiceStatus(home)).state, 'stopped');
  assert.ok(isRuntimeError(await rejects(() => localServiceEndpoint(home)), 'WS701'));

  const restarted = await startLocalService({ home, port: 0 });
  streams = createStreamService(await localServiceEndpoint(home));
  try {
    const [shard] = await streams.listShards('orders');
    const page = await streams.getRecords(await streams.shardIterator('orders', shard.shardId, { kind: 'trim-horizon' }));
    assert.is(page.records.length, 25);
    assert.equal(JSON.parse(page.records[24].data.toString()), { n: 24, name: 'record 24' });
  } finally {
    streams.close();
  }
  assert.ok((await stopLocalService(home)).stopped);
  assert.is(isProcessAlive(restarted.pid!), false);
  assert.is((await stopLocalService(home)).stopped, false, 'stopping twice is harmless');
});

test('a service.json left by a dead process reads as stale, and start replaces it', async () => {
  const home = dir.path;
  const paths = localServicePaths(home);
  await fs.mkdir(paths.folder, { recursive: true });
  await fs.writeFile(paths.serviceFile, JSON.stringify({ kind: 'local-kinesis-service', pid: 2147483646, port: 1, startedAt: 'x' }));
  assert.is((await localServiceStatus(home)).state, 'stale');
  const started = await startLocalService({ home, port: 0 });
  assert.ok(started.started);
  assert.is((await localServiceStatus(home)).state, 'running');
});

test('two services cannot share one home', async () => {
  const home = dir.path;
  const first = await runLocalServiceForeground({ home, port: 0 });
  try {
    const err = await rejects(() => runLocalServiceForeground({ home, port: 0 }));
    assert.ok(isRuntimeError(err, 'WS703'));
    assert.is((await localServiceStatus(home)).state, 'running');
  } finally {
    await first.close();
  }
  assert.is((await localServiceStatus(home)).state, 'stopped');
  await fs.access(path.join(home, 'kinesis', 'data'));
});

test.run();
