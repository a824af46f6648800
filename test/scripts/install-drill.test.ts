// The EMR bootstrap script run on this machine against a fake info folder (instance.json,
// job-flow.json), a Drill tarball served as file:// with a stub drillbit.sh, EMR's library folder
// with a Kinesis connector jar, and a listener standing for ZooKeeper; and shellcheck-clean.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

const SCRIPT = path.resolve('scripts/emr/install-drill.sh');

test('shellcheck finds nothing', () => {
  const r = spawnSync('shellcheck', [SCRIPT], { encoding: 'utf8' });
  if (r.error) return console.log('  (shellcheck is not installed: apt-get install -y shellcheck)');
  assert.is(r.status, 0, r.stdout);
});

test('installs Drill, writes zk.connect and the cluster id, copies the Kinesis jars, starts the drillbit once ZooKeeper answers', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wshed-install-drill-'));
  const zk = createServer((s) => s.end());
  await new Promise<void>((resolve) => zk.listen(0, '127.0.0.1', () => resolve()));
  try {
    const zkPort = (zk.address() as { port: number }).port;
    const info = path.join(dir, 'info');
    mkdirSync(info);
    writeFileSync(path.join(info, 'instance.json'), JSON.stringify({ isMaster: true, instanceGroupId: 'ig-1' }));
    writeFileSync(path.join(info, 'job-flow.json'), JSON.stringify({ jobFlowId: 'j-1', masterPrivateDnsName: '127.0.0.1' }));
    const build = path.join(dir, 'build', 'apache-drill-1.22.0');
    mkdirSync(path.join(build, 'bin'), { recursive: true });
    mkdirSync(path.join(build, 'conf'));
    writeFileSync(path.join(build, 'bin', 'drillbit.sh'), `#!/bin/sh\necho "$1" > "$(dirname "$0")/../started"\n`);
    chmodSync(path.join(build, 'bin', 'drillbit.sh'), 0o755);
    const tarball = path.join(dir, 'drill.tar.gz');
    assert.is(spawnSync('tar', ['-czf', tarball, '-C', path.join(dir, 'build'), 'apache-drill-1.22.0']).status, 0);
    const libs = path.join(dir, 'emr', 'kinesis', 'lib');
    mkdirSync(libs, { recursive: true });
    writeFileSync(path.join(libs, 'emr-kinesis-hive.jar'), 'jar');
    const prefix = path.join(dir, 'opt');
    const env = { ...process.env, WSHED_INFO_DIR: info, WSHED_DRILL_PREFIX: prefix, WSHED_EMR_LIBS: path.join(dir, 'emr'), WSHED_NO_SYSTEMD: '1', WSHED_FOREGROUND: '1', WSHED_ZK_PORT: String(zkPort), WSHED_ZK_WAIT_SECONDS: '60' };
    const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn('bash', [SCRIPT, '--version', '1.22.0', '--url', `file://${tarball}`, '--cluster-id', 'wshed-drillbits'], { env });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c));
      child.stderr.on('data', (c: Buffer) => (out += c));
      child.on('close', (code) => resolve({ code, out }));
    });
    assert.is(r.code, 0, r.out);
    const home = path.join(prefix, 'apache-drill-1.22.0');
    const conf = readFileSync(path.join(home, 'conf', 'drill-override.conf'), 'utf8');
    assert.match(conf, 'cluster-id: "wshed-drillbits"');
    assert.match(conf, `zk.connect: "127.0.0.1:${zkPort}"`);
    assert.ok(existsSync(path.join(home, 'jars', '3rdparty', 'emr-kinesis-hive.jar')));
    assert.is(readFileSync(path.join(home, 'started'), 'utf8').trim(), 'start');
    assert.match(r.out, 'this node primary: true');
  } finally {
    zk.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without job-flow.json the script says what is missing and fails', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wshed-install-drill-'));
  try {
    writeFileSync(path.join(dir, 'instance.json'), '{"isMaster": false}');
    writeFileSync(path.join(dir, 'job-flow.json'), '{}');
    const r = spawnSync('bash', [SCRIPT, '--version', '1.22.0'], { env: { ...process.env, WSHED_INFO_DIR: dir }, encoding: 'utf8' });
    assert.is(r.status, 1);
    assert.match(r.stderr, 'no masterPrivateDnsName');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
