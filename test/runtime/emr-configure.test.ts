// configure on the cluster: the Hive database and tables made by `hive -e` over a real SSH
// connection (an in-process ssh2 server running commands as sshd does, with a stand-in `hive` on
// its PATH), Hive's own error shown; Drill storage plugins saved through the REST API and read back.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { compile } from '../../src/compiler/compile.ts';
import type { DrillStoragePluginStep, HiveLiveTableStep, Plan } from '../../src/compiler/plan/types.ts';
import type { AwsTargetConfig } from '../../src/compiler/target-config.ts';
import { configureDrill, createHiveTables, hivePluginConfig, hiveScript } from '../../src/runtime/aws/emr/configure.ts';
import { execOnPrimary } from '../../src/runtime/aws/tunnel/exec.ts';
import { isRuntimeError } from '../../src/runtime/runtime-error.ts';
import { defaultConfig, GOLDEN_NOW } from '../golden/harness.ts';
import { generateKeys, startTestSshServer, type TestSshServer } from './helpers/ssh-server.ts';

let dir: string;
let ssh: TestSshServer;
const keys = generateKeys();

// Stands for Hive's CLI: keeps what it was asked to run; a statement with BROKEN fails as Hive does.
const FAKE_HIVE = `#!/bin/sh
[ "$1" = "-S" ] && [ "$2" = "-e" ] || { echo "usage: hive -S -e SQL" >&2; exit 2; }
printf '%s\\n--\\n' "$3" >> "$HIVE_LOG"
case "$3" in *BROKEN*) echo "FAILED: ParseException line 1:0 cannot recognize input near 'BROKEN'" >&2; exit 64;; esac
echo OK
`;

test.before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'wshed-configure-'));
  writeFileSync(path.join(dir, 'hive'), FAKE_HIVE);
  chmodSync(path.join(dir, 'hive'), 0o755);
  ssh = await startTestSshServer({ hostKey: generateKeys().privateKey, clientPublicKey: keys.publicKey, execEnv: { PATH: `${dir}:/usr/bin:/bin`, HIVE_LOG: path.join(dir, 'hive.log') } });
});
test.after(async () => {
  await ssh?.close();
  rmSync(dir, { recursive: true, force: true });
});

function plan(): Plan {
  const text = `stream orders { shards 1 }
stream clicks { shards 1 }
reservoir orders_archive { from stream orders at "s3://acme-lake/reservoir/orders" }
reservoir clicks_archive { from stream clicks at "s3://acme-lake/reservoir/clicks" }
stream out { shards 1 }
replay a from archive+live orders_archive into stream out
replay b from archive+live clicks_archive into stream out`;
  const result = compile({ path: 'orders.wshed', text }, { config: { ...(defaultConfig('aws') as AwsTargetConfig), bucket: 'acme-lake' }, now: GOLDEN_NOW });
  if (!result.plan) throw new Error(result.diagnostics.map((d) => d.message).join('\n'));
  return result.plan;
}
const hiveSteps = (p: Plan) => p.steps.filter((s): s is HiveLiveTableStep => s.kind === 'hive-live-table');
const exec = (command: string, stdin?: string) =>
  execOnPrimary({ host: '127.0.0.1', port: ssh.port, user: 'hadoop', privateKey: Buffer.from(keys.privateKey), knownHostsFile: path.join(dir, 'known_hosts'), keepaliveSeconds: 15 }, command, stdin);

test('the Hive database and one table a stream are created by hive -e on the primary node', async () => {
  const steps = hiveSteps(plan());
  assert.equal(steps.map((s) => s.stream), ['orders', 'clicks']);
  assert.equal(await createHiveTables(exec, steps), ['wshed.orders_live', 'wshed.clicks_live']);
  const ran = readFileSync(path.join(dir, 'hive.log'), 'utf8').split('\n--\n').filter(Boolean);
  // $(cat) drops the final newline; the statements are exactly the plan's.
  assert.equal(ran, steps.map((s) => hiveScript(s).trimEnd()));
  assert.match(ran[0]!, /^CREATE DATABASE IF NOT EXISTS `wshed`;\n/);
  assert.match(ran[0]!, "STORED BY 'com.amazon.emr.kinesis.hive.KinesisStorageHandler'");
});

test("a failing statement is WS841 with Hive's own message, and the tables after it are not attempted", async () => {
  const [first, second] = hiveSteps(plan());
  const broken = { ...first!, ddl: `BROKEN ${first!.ddl}` };
  writeFileSync(path.join(dir, 'hive.log'), '');
  try {
    await createHiveTables(exec, [broken, second!]);
    assert.unreachable('a failed DDL passed');
  } catch (err) {
    assert.ok(isRuntimeError(err, 'WS841'), String(err));
    assert.match((err as Error).message, "table wshed.orders_live (stream 'orders')");
    assert.match((err as Error).message, "FAILED: ParseException line 1:0 cannot recognize input near 'BROKEN'");
  }
  assert.is(readFileSync(path.join(dir, 'hive.log'), 'utf8').split('\n--\n').filter(Boolean).length, 1);
});

test('a primary node that accepts the connection but refuses the command is WS843, one line naming the account and the command', async () => {
  // This server authenticates the key and then refuses every session, as sshd does with a restricted account.
  const refusing = await startTestSshServer({ hostKey: generateKeys().privateKey, clientPublicKey: keys.publicKey });
  try {
    const steps = hiveSteps(plan());
    const target = { host: '127.0.0.1', port: refusing.port, user: 'hadoop', privateKey: Buffer.from(keys.privateKey), knownHostsFile: path.join(dir, 'known_hosts_refusing'), keepaliveSeconds: 15 };
    try {
      await createHiveTables((command, stdin) => execOnPrimary(target, command, stdin), steps);
      assert.unreachable('a refused command passed');
    } catch (err) {
      assert.ok(isRuntimeError(err, 'WS843'), String(err));
      assert.match((err as Error).message, `hadoop@127.0.0.1:${refusing.port} accepted the SSH connection but refused to run 'hive'`);
      assert.not.match((err as Error).message, /\n\s+at /);
    }
  } finally {
    await refusing.close();
  }
});

/** Drill's storage REST shapes (docs: POST /storage/{name}.json {name, config} → {result}; GET → {name, config}). */
async function drillLike(): Promise<{ url: string; saved: Map<string, unknown>; server: Server }> {
  const saved = new Map<string, unknown>();
  const server = createServer((req, res) => {
    const m = /^\/storage\/([^/]+)\.json$/.exec(req.url ?? '');
    if (!m) return res.writeHead(404).end();
    const name = decodeURIComponent(m[1]!);
    if (req.method === 'GET') return res.end(JSON.stringify({ name, config: saved.get(name) }));
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      const parsed = JSON.parse(body) as { name: string; config: { type?: string } };
      if (parsed.name !== name || !parsed.config?.type) return res.writeHead(400).end(JSON.stringify({ result: 'Invalid JSON' }));
      saved.set(name, parsed.config);
      res.end(JSON.stringify({ result: 'Success' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, saved, server };
}

test('Drill plugins: the bucket plugin with a workspace per reservoir and a writable views workspace, and hive on the metastore', async () => {
  const drill = await drillLike();
  try {
    const step = plan().steps.find((s): s is DrillStoragePluginStep => s.kind === 'drill-storage-plugin')!;
    assert.equal(await configureDrill(drill.url, step, 'ip-10-0-0-1.ec2.internal'), ['wshed', 'hive']);
    const wshed = drill.saved.get('wshed') as { connection: string; workspaces: Record<string, { writable: boolean }> };
    assert.is(wshed.connection, 's3a://acme-lake');
    assert.equal(Object.keys(wshed.workspaces), ['wshed_views', 'orders_archive', 'clicks_archive']);
    assert.equal(Object.entries(wshed.workspaces).filter(([, w]) => w.writable).map(([n]) => n), ['wshed_views']);
    assert.equal(drill.saved.get('hive'), hivePluginConfig('ip-10-0-0-1.ec2.internal'));
    assert.is((drill.saved.get('hive') as { configProps: Record<string, string> }).configProps['hive.metastore.uris'], 'thrift://ip-10-0-0-1.ec2.internal:9083');
  } finally {
    drill.server.close();
  }
});

test('a Drill that refuses the plugin, or is not there, is WS840', async () => {
  const drill = await drillLike();
  const url = drill.url;
  try {
    await configureDrill(url, { id: 'x', kind: 'drill-storage-plugin', action: 'create', after: [], name: 'wshed', bucket: 'acme-lake', config: {} }, 'h');
    assert.unreachable('saved a plugin without a type');
  } catch (err) {
    assert.ok(isRuntimeError(err, 'WS840'), String(err));
    assert.match((err as Error).message, 'Invalid JSON');
  } finally {
    await new Promise<void>((resolve) => drill.server.close(() => resolve()));
  }
  try {
    await configureDrill(url, { id: 'x', kind: 'drill-storage-plugin', action: 'create', after: [], name: 'wshed', bucket: 'acme-lake', config: { type: 'file' } }, 'h');
    assert.unreachable('saved to a closed port');
  } catch (err) {
    assert.ok(isRuntimeError(err, 'WS840'), String(err));
  }
});

test.run();
