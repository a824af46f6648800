// The target runtime: each registered runtime answers for its own target only; the local one
// starts the home's service only when asked (saying so once), provisions streams in it and reads
// its live state; and nothing outside the runtimes builds a local endpoint or branches on the
// target's name.

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PlanStep, StreamStep } from '../../src/compiler/plan/types.ts';
import type { LocalTargetConfig, TargetConfig } from '../../src/compiler/target-config.ts';
import { loadTargetConfig } from '../../src/cli/io.ts';
import { stopLocalService } from '../../src/runtime/local/service.ts';
import { isRuntimeError } from '../../src/runtime/runtime-error.ts';
import { localRuntime } from '../../src/runtime/target/local-runtime.ts';
import { openTargetRuntime } from '../../src/runtime/target/open-runtime.ts';
import { rejects, tempDir, type TempDir } from './helpers/local-kinesis.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let dir: TempDir;
test.before(async () => {
  dir = await tempDir();
});
test.after(async () => {
  await stopLocalService(path.join(dir.path, 'home'));
  await dir.remove();
});

const stream = (name: string, shards: number): StreamStep => ({ id: `stream.${name}`, kind: 'stream', action: 'create', after: [], name, shards, retentionHours: 24, key: null });

test('each registered runtime is its target, and applies only the provisioning steps it knows', () => {
  const kinds: Record<TargetConfig['target'], { yes: PlanStep['kind'][]; no: PlanStep['kind'][] }> = {
    local: { yes: ['local-service', 'stream', 'reservoir-folder'], no: ['s3-location', 'emr-cluster', 'firehose-delivery-stream'] },
    aws: {
      yes: ['stream', 's3-location', 'firehose-delivery-stream', 'upload-cluster-resources', 'emr-cluster', 'ssh-tunnel', 'drill-storage-plugin', 'hive-live-table', 'emr-terminate'],
      no: ['local-service', 'reservoir-folder'],
    },
  };
  for (const target of ['local', 'aws'] as const) {
    const runtime = openTargetRuntime(loadTargetConfig(target), { cwd: dir.path });
    try {
      assert.is(runtime.target, target);
      assert.is(runtime.cwd, dir.path);
      for (const k of kinds[target].yes) assert.ok(runtime.provisioner.handles(k), `${target} applies ${k}`);
      for (const k of kinds[target].no) assert.not.ok(runtime.provisioner.handles(k), `${target} does not apply ${k}`);
    } finally {
      runtime.provisioner.close();
    }
  }
});

test('the local runtime starts its service only when asked, says so once, and provisions streams in it', async () => {
  const base = loadTargetConfig('local') as LocalTargetConfig;
  const notices: string[] = [];
  const saved = process.env.WSHED_HOME;
  delete process.env.WSHED_HOME;
  const runtime = localRuntime({ ...base, home: 'home', kinesisPort: 0 }, { cwd: dir.path, onNotice: (t) => notices.push(t) });
  try {
    assert.is(runtime.home, path.join(dir.path, 'home'));
    assert.is(await runtime.streamsIfRunning(), null);
    assert.ok(isRuntimeError(await rejects(() => runtime.streams()), 'WS701'), 'not started unless asked');
    const plan = { version: 1 as const, pipeline: 'p.wshed', target: 'local' as const, now: new Date().toISOString(), steps: [stream('orders', 2)] };
    assert.is((await runtime.provisioner.read(plan)).unknown !== undefined, true, 'stopped: streams not known');
    const streams = await runtime.streams({ start: true });
    streams.close();
    assert.is(notices.length, 1);
    assert.match(notices[0], /^started the local Kinesis service on 127\.0\.0\.1:\d+ \(data in .*home\)$/);
    const created = await runtime.provisioner.apply(stream('orders', 2), plan);
    assert.equal([created.outcome, created.text], ['created', 'created; 2 shards; retention 24 h']);
    assert.is((await runtime.provisioner.apply(stream('orders', 2), plan)).outcome, 'exists');
    const live = await runtime.provisioner.read(plan);
    assert.equal(live.resources['stream.orders'], { kind: 'stream', exists: true, openShards: 2, retentionHours: 24 });
    assert.equal(await runtime.provisioner.undeclared({ ...plan, steps: [] }, { remove: true }), [], 'the local target never deletes a stream');
    const again = await runtime.streams({ start: true });
    again.close();
    assert.is(notices.length, 1, 'a running service is not started again');
  } finally {
    runtime.provisioner.close();
    if (saved !== undefined) process.env.WSHED_HOME = saved;
  }
});

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? sources(full) : e.name.endsWith('.ts') ? [full] : [];
  });
}

test('no local endpoint is built, and no branch on the target name taken, outside the runtimes and config loading', () => {
  const rel = (f: string) => path.relative(ROOT, f);
  const files = sources(path.join(ROOT, 'src')).filter((f) => !rel(f).startsWith('src/compiler/'));
  const endpointMakers = /\b(localKinesisEndpoint|localServiceEndpoint|ensureLocalService)\(/;
  const mayBuild = /^src\/runtime\/(local\/|target\/local-runtime\.ts|live-state\/local\.ts|steps\.ts|kinesis\/client\.ts)/;
  const branches = /\b(config|runtime)\.target\s*[!=]==|target\s*[!=]==\s*'(local|aws)'/;
  const mayBranch = /^src\/(runtime\/target\/|cli\/session\.ts)/;
  const found: string[] = [];
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    if (endpointMakers.test(text) && !mayBuild.test(rel(f))) found.push(`${rel(f)} builds a local endpoint`);
    if (branches.test(text) && !mayBranch.test(rel(f))) found.push(`${rel(f)} branches on the target`);
  }
  assert.equal(found, []);
});

test.run();
