// The EMR bootstrap script that hosts the job service, run on this machine against a fake info
// folder: this Node as the node binary, the watershed bundle as the upload step builds it
// (package.json, conf/, dist/, the production node_modules) on a stand-in bucket, a stub `aws` for
// `s3 cp` and the SSM parameter, and the service started directly (no systemd here). A real `wshed serve --target aws` from the installed bundle answers /health with
// the token, on 127.0.0.1; the token is in no output and no log. And shellcheck-clean.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildServiceBundle } from '../../src/runtime/aws/emr/service-bundle.ts';
import { ensureBundle } from '../cli/helpers.ts';

const SCRIPT = path.resolve('scripts/emr/install-wshed-service.sh');
const TOKEN = 'ssm-secret-token-0123456789abcdef';

test('shellcheck finds nothing', () => {
  const r = spawnSync('shellcheck', [SCRIPT], { encoding: 'utf8' });
  if (r.error) return console.log('  (shellcheck is not installed: apt-get install -y shellcheck)');
  assert.is(r.status, 0, r.stdout);
});

// The bundle as the upload step builds it (src/runtime/aws/emr/service-bundle.ts), once for the file.
const bundleDir = mkdtempSync(path.join(os.tmpdir(), 'wshed-install-bundle-'));
let bundleBuilt: Promise<string> | null = null;
const builtBundle = () =>
  (bundleBuilt ??= (async () => {
    ensureBundle();
    const out = path.join(bundleDir, 'wshed-bundle.tgz');
    await buildServiceBundle(out, path.resolve('.'));
    return out;
  })());
test.after(() => rmSync(bundleDir, { recursive: true, force: true }));

/**
 * A fake primary node in `dir`: its info folder, a stub `aws` (the SSM parameter, and `s3 cp` from
 * `dir/s3/BUCKET/KEY`, the node's view of the bucket), and the bundle on that "bucket".
 */
async function fixture(dir: string, primary: boolean): Promise<{ env: NodeJS.ProcessEnv; bundle: string; conf: string; prefix: string; s3: (key: string, body: string | Buffer) => string }> {
  const info = path.join(dir, 'info');
  mkdirSync(info);
  writeFileSync(path.join(info, 'instance.json'), JSON.stringify({ isMaster: primary }));
  const s3 = (key: string, body: string | Buffer) => {
    const file = path.join(dir, 's3', 'acme-lake', key);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, body);
    return `s3://acme-lake/${key}`;
  };
  const bundle = s3('wshed/cluster/wshed-bundle.tgz', readFileSync(await builtBundle()));
  const conf = path.join(dir, 'aws.json');
  cpSync(path.resolve('conf/aws.json'), conf);
  // `aws ssm get-parameter … --with-decryption` and `aws s3 cp --quiet s3://… FILE`: the calls that cannot run here.
  const bin = path.join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(
    path.join(bin, 'aws'),
    `#!/bin/sh
echo "$@" >> "${dir}/aws-calls"
case "$*" in
  *"ssm get-parameter --name /wshed/token --with-decryption"*) echo "${TOKEN}" ;;
  "s3 cp --quiet s3://"*) src="$4"; cp "${dir}/s3/\${src#s3://}" "$5" ;;
  *) exit 1 ;;
esac
`,
  );
  chmodSync(path.join(bin, 'aws'), 0o755);
  const prefix = path.join(dir, 'opt');
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}:${process.env.PATH}`, WSHED_INFO_DIR: info, WSHED_PREFIX: prefix, WSHED_NO_SYSTEMD: '1', WSHED_NODE: process.execPath, AWS_REGION: 'us-east-1' };
  delete env.WSHED_TOKEN;
  return { env, bundle, conf, prefix, s3 };
}

async function health(url: string, token?: string): Promise<number> {
  const res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  await res.text();
  return res.status;
}

/** Runs the script as EMR would on the primary node, with `tokenArgs`, and checks the service it started. */
async function installAndCheck(tokenArgs: (f: Awaited<ReturnType<typeof fixture>>) => string[], expectCalls: RegExp): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wshed-install-service-'));
  const f = await fixture(dir, true);
  const { env, bundle, conf, prefix } = f;
  // A free port: a listener on 0 tells one, closed before the service takes it.
  const net = await import('node:net');
  const port = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  try {
    const r = spawnSync('bash', [SCRIPT, '--bundle', bundle, '--conf', `file://${conf}`, '--port', String(port), ...tokenArgs(f)], { env, encoding: 'utf8', timeout: 120_000 });
    assert.is(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, `started wshed serve on 127.0.0.1:${port}`);
    assert.not.match(r.stdout + r.stderr, TOKEN, 'the token is not in the output');
    const tokenFile = path.join(prefix, 'token');
    assert.is(readFileSync(tokenFile, 'utf8').trim(), TOKEN);
    assert.is(statSync(tokenFile).mode & 0o777, 0o600);
    const calls = readFileSync(path.join(dir, 'aws-calls'), 'utf8');
    assert.match(calls, 's3 cp --quiet s3://acme-lake/wshed/cluster/wshed-bundle.tgz ', 'the bundle fetched from S3 with aws s3 cp');
    assert.match(calls, expectCalls);
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
}

test('installs the bundle from S3, writes the SSM token into a 0600 file and starts wshed serve on 127.0.0.1, answering /health with the token', async () => {
  await installAndCheck(() => ['--token-parameter', '/wshed/token'], /ssm get-parameter --name \/wshed\/token --with-decryption/);
});

test('--token-file s3://…: the token the upload put beside the bundle is fetched with aws s3 cp, never echoed', async () => {
  await installAndCheck((f) => ['--token-file', f.s3('wshed/cluster/wshed-service-token', `${TOKEN}\n`)], /s3 cp --quiet s3:\/\/acme-lake\/wshed\/cluster\/wshed-service-token /);
});

test('on a node other than the primary nothing is installed', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wshed-install-service-'));
  try {
    const { env, bundle, prefix } = await fixture(dir, false);
    const r = spawnSync('bash', [SCRIPT, '--bundle', bundle, '--token-parameter', '/wshed/token'], { env, encoding: 'utf8' });
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
