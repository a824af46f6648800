import { test } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { isRuntimeError } from '../../src/runtime/runtime-error.ts';
import { runArchiveStep, runReservoirFolderStep, runStreamStep } from '../../src/runtime/steps.ts';
import { archiveStep, rejects, startTestKinesis, tempDir, uniqueStream, type TempDir, type TestKinesis } from './helpers/local-kinesis.ts';

let kinesis: TestKinesis;
let dir: TempDir;
test.before(async () => {
  kinesis = await startTestKinesis();
  dir = await tempDir();
});
test.after(async () => {
  await kinesis.close();
  await dir.remove();
});

test('a reservoir-folder step creates the folder once', async () => {
  const step = { id: 'folder.orders', kind: 'reservoir-folder' as const, action: 'create' as const, after: [], reservoir: 'orders', path: 'lake/orders' };
  assert.equal(await runReservoirFolderStep(step, dir.path), { path: path.join(dir.path, 'lake/orders'), created: true });
  assert.equal(await runReservoirFolderStep(step, dir.path), { path: path.join(dir.path, 'lake/orders'), created: false });
});

test('a stream step creates the stream, then finds it', async () => {
  const name = uniqueStream();
  const step = { id: `stream.${name}`, kind: 'stream' as const, action: 'create' as const, after: [], name, shards: 2, retentionHours: 24, key: null };
  assert.is((await runStreamStep(step, kinesis.streams)).outcome, 'created');
  assert.is((await runStreamStep(step, kinesis.streams)).outcome, 'exists');
});

// (S3 locations are archived now: test/runtime/archive*.test.ts run against S3 on moto too.)
test('archive steps the archiver cannot run are refused with their reason', async () => {
  const firehose = archiveStep('f', 'x', dir.path, { via: 'firehose' });
  assert.ok(isRuntimeError(await rejects(() => runArchiveStep(firehose, kinesis.streams)), 'WS725'));
});

test.run();
