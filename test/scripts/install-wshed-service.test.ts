// The EMR bootstrap script that hosts the job service, run on this machine against a fake info
// folder: this Node as the node binary, the watershed bundle (package.json, conf/, dist/, node_modules) as
// a file:// tarball, a stub `aws` for the SSM parameter, and the service started directly (no
// systemd here). A real `wshed serve --target aws` from the installed bundle answers /health with
// the token, on 127.0.0.1; the token is in no output and no log. And shellcheck-clean.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureBundle } from '../cli/helpers.ts';

const SCRIPT = path.resolve('scripts/emr/install-wshed-service.sh');
const TOKEN = 'ssm-secret-token-0123456789abcdef';

test('shellcheck finds nothing', () => {
  const r = spawnSync('shellcheck', [SCRIPT], { encoding: 'utf8' });
  if (r.error) return console.log('  (shellcheck is not installed: apt-get install -y shellcheck)');
  assert.is(r.status, 0, r.stdout);
});

function fixture(dir: string, primary: boolean): { env: NodeJS.ProcessEnv; bundle: string; conf: string; prefix: string } {
  const info = path.join(dir, 'info');
  mkdirSync(info);
  writeFileSync(path.join(info, 'instance.json'), JSON.stringify({ isMaster: primary }));
  // The bundle as the upload ships it: package/ with package.json, conf/, dist/ and the production modules.
  ensureBundle();
  const pkg = path.join(dir, 'build', 'package');
  mkdirSync(pkg, { recursive: true });
  cpSync(path.resolve('package.json'), path.join(pkg, 'package.json'));
  cpSync(path.resolve('dist'), path.join(pkg, 'dist'), { recursive: true });
  cpSync(path.resolve('conf'), path.join(pkg, 'conf'), { recursive: true });
  symlinkSync(path.resolve('node_modules'), path.join(pkg, 'node_modules'));
  const bundle = path.join(dir, 'wshed.tgz');
  assert.is(spawnSync('tar', ['-czf', bundle, '-C', path.join(dir, 'build'), 'package']).status, 0);
  const conf = path.join(dir, 'aws.json');
  cpSync(path.resolve('conf/aws.json'), conf);
  // `aws ssm get-parameter … --with-decryption`: the one call that cannot run here.
  const bin = path.join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(
    path.join(bin, 'aws'),
    `#!/bin/sh\necho "$@" >> "${dir}/aws-calls"\ncase "$*" in *"ssm get-parameter --name /wshed/token --with-decryption"*) echo "${TOKEN}" ;; *) exit 1 ;; esac\n`,
  );
  chmodSync(path.join(bin, 'aws'), 0o755);
  const prefix = path.join(dir, 'opt');
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}:${process.env.PATH}`, WSHED_INFO_DIR: info, WSHED_PREFIX: prefix, WSHED_NO_SYSTEMD: '1', WSHED_NODE: process.execPath, AWS_REGION: 'us-east-1' };
  delete env.WSHED_TOKEN;
  return { env, bundle, conf, prefix };
}

async function health(url: string, token?: string): Promise<number> {
  const res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  await res.text();
  return res.status;
}

test('installs the bundle, writes the SSM token into a 0600 file and starts wshed serve on 127.0.0.1, answering /health with the token', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wshed-install-service-'));
  const { env, bundle, conf, prefix } = fixture(dir, true);
  // A free port: a listener on 0 tells one, closed before the service takes it.
  const net = await import('node:net');
  const port = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  try {
    const r = spawnSync('bash', [SCRIPT, '--bundle', `file://${bundle}`, '--conf', `file://${conf}`, '--port', String(port), '--token-parameter', '/wshed/token'], { env, encoding: 'utf8', timeout: 120_000 });
    assert.is(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, `started wshed serve on 127.0.0.1:${port}`);
    assert.not.match(r.stdout + r.stderr, TOKEN, 'the token is not in the output');
    const tokenFile = path.join(prefix, 'token');
    assert.is(readFileSync(tokenFile, 'utf8').trim(), TOKEN);
    assert.is(statSync(tokenFile).mode & 0o777, 0o600);
    assert.match(readFileSync(path.join(dir, 'aws-calls'), 'utf8'), 'ssm get-parameter --name /wshed/token --with-decryption');
    const url = `http://127.0.0.1:${port}/health`;
    const log = path.join(prefix, 'serve.log');
    const end = Date.now() + 60_000;
    for (;;) {
      if (existsSync(log) && /serving .* on http/.test(readFileSync(log, 'utf8'))) break;
      if (Date.now() > end) throw new Error(`wshed serve did not start:\n${existsSync(log) ? readFileSync(log, 'utf8') : '(no log)'}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.is(await health(url, TOKEN), 200);
    assert.is(await health(url), 401, 'no token, no answer');
    assert.not.match(readFileSync(log, 'utf8'), TOKEN, 'the token is not in the service log');
  } finally {
    // The service started in the background: stopped by its pid (the one node running the installed bundle).
    const ps = spawnSync('pgrep', ['-f', path.join(prefix, 'package', 'dist', 'wshed.mjs')], { encoding: 'utf8' });
    for (const pid of ps.stdout.split('\n').filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGTERM');
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

test('on a node other than the primary nothing is installed', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wshed-install-service-'));
  try {
    const { env, bundle, prefix } = fixture(dir, false);
    const r = spawnSync('bash', [SCRIPT, '--bundle', `file://${bundle}`, '--token-parameter', '/wshed/token'], { env, encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stdout, 'not the primary node');
    assert.not.ok(existsSync(prefix));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without a token source the script says so and installs nothing', () => {
  const r = spawnSync('bash', [SCRIPT, '--bundle', 'file:///nowhere.tgz'], { encoding: 'utf8' });
  assert.is(r.status, 2);
  assert.match(r.stderr, 'give --token-file or --token-parameter');
});

test.run();
