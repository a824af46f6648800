// The job service hosted on the cluster (`service.onCluster`), end to end through the installed CLI:
// `wshed plan` and `wshed run --target aws` on moto + kinesalite + an in-process SSH server standing
// for the primary node, then the primary node's side played here as EMR would play it: the
// bootstrap action moto stored (script, arguments) is fetched from the emulated bucket and run
// with a stub `aws s3 cp` that reads the same bucket, so the bundle the upload step built is
// installed and its `wshed serve` starts with the token from the uploaded token file. Then
// `wshed cluster forward` opens the tunnel and `wshed jobs list --server` answers through its
// `jobs` forward. A known token is in none of the plan (text, --json, --out), the run's output, the
// tunnel's, the client's, the bootstrap's or the service's log; nor a token kept in an SSM parameter.
// Drill behind the tunnel is a recording HTTP server and `hive` a script that accepts, as in
// run-aws-cluster.test.ts.

import { ListBootstrapActionsCommand } from '@aws-sdk/client-emr';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { closeEmrClients, createEmrClients } from '../../src/runtime/aws/emr/clients.ts';
import { startTestKinesis, type TestKinesis } from '../runtime/helpers/local-kinesis.ts';
import { createEmrDefaultRoles, startTestMoto, useEnvironment, type TestMoto } from '../runtime/helpers/moto.ts';
import { generateKeys, startTestSshServer, type TestSshServer } from '../runtime/helpers/ssh-server.ts';
import { Scratch, type Run } from './helpers.ts';

const BUCKET = 'acme-lake';
const TOKEN = 'cluster-service-token-5f1e9a0c7b2d4e6f';
const SSM_TOKEN = 'ssm-held-service-token-8c3b1a2d9e7f';

let moto: TestMoto;
let kinesis: TestKinesis;
let ssh: TestSshServer;
let drill: Server;
let restoreEnvironment: (() => void) | undefined;
let servicePort = 0;
const keys = generateKeys();
const scratch = new Scratch();
/** Everything the CLI and the node printed or wrote, searched for the token at the end. */
const seen: string[] = [];

/** Drill's REST shapes for what the run's configure step sends (plugins saved and read back). */
function recordingDrill(): Server {
  const plugins = new Map<string, unknown>();
  return createHttpServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      const plugin = /^\/storage\/([^/]+)\.json$/.exec(req.url ?? '');
      res.setHeader('content-type', 'application/json');
      if (plugin && req.method === 'POST') {
        plugins.set(plugin[1]!, (JSON.parse(body) as { config: unknown }).config);
        return res.end(JSON.stringify({ result: 'Success' }));
      }
      if (plugin) return res.end(JSON.stringify({ name: plugin[1], config: plugins.get(plugin[1]!) }));
      if (req.url === '/query.json') return res.end(JSON.stringify({ queryId: 'q', columns: ['ok'], rows: [{ ok: 'true' }], queryState: 'COMPLETED' }));
      res.statusCode = 404;
      res.end('{}');
    });
  });
}

/** A port free right now (a listener on 0 tells one and closes). */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createNetServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

function settings(service: Record<string, unknown>): string {
  return JSON.stringify({
    bucket: BUCKET,
    emr: { primaryAddress: `127.0.0.1:${ssh.port}`, terminateAfterRun: false },
    drill: { port: (drill.address() as { port: number }).port },
    ssh: { keyFile: path.join(scratch.dir, 'key.pem'), knownHostsFile: path.join(scratch.dir, 'known_hosts'), localDrillPort: 0, localHivePort: 0, localServicePort: 0 },
    service: { onCluster: true, port: servicePort, ...service },
  });
}

test.before(async () => {
  moto = await startTestMoto();
  kinesis = await startTestKinesis();
  restoreEnvironment = useEnvironment({ ...moto.env, AWS_ENDPOINT_URL_KINESIS: kinesis.endpoint.url! });
  // `hive` on the primary node (the reservoir's live table): a script that accepts the statements.
  const bin = path.join(scratch.dir, 'node-bin');
  mkdirSync(bin);
  writeFileSync(path.join(bin, 'hive'), '#!/bin/sh\n[ "$1" = "-S" ] && [ "$2" = "-e" ] || exit 2\n');
  chmodSync(path.join(bin, 'hive'), 0o755);
  ssh = await startTestSshServer({ hostKey: generateKeys().privateKey, clientPublicKey: keys.publicKey, execEnv: { PATH: `${bin}:/usr/bin:/bin` } });
  drill = recordingDrill();
  await new Promise<void>((resolve) => drill.listen(0, '127.0.0.1', () => resolve()));
  servicePort = await freePort();
  writeFileSync(path.join(scratch.dir, 'key.pem'), keys.privateKey, { mode: 0o600 });
  writeFileSync(path.join(scratch.dir, 'service-token'), `${TOKEN}\n`, { mode: 0o600 });
  writeFileSync(
    path.join(scratch.dir, 'orders.wshed'),
    `stream orders { shards 1 }\nreservoir orders_archive {\n  from stream orders\n  at "s3://${BUCKET}/reservoir/orders"\n  archive via archiver\n}\n`,
  );
  writeFileSync(path.join(scratch.dir, 'test.json'), settings({ tokenFile: 'service-token' }));
  await createEmrDefaultRoles();
});
test.after(async () => {
  // Each part only if it started: a set-up that failed part-way must report its own error, not this hook's.
  scratch.dispose();
  await ssh?.close();
  if (drill) await new Promise<void>((resolve) => drill.close(() => resolve()));
  await kinesis?.close();
  await moto?.close();
  restoreEnvironment?.();
});

const wshed = async (args: string[]): Promise<Run> => {
  const r = await scratch.start(args).done;
  seen.push(r.stdout, r.stderr);
  return r;
};

test('a missing or weak token file stops the run at the upload, in one coded line naming the file, never the token', async () => {
  writeFileSync(path.join(scratch.dir, 'missing.json'), settings({ tokenFile: 'no-such-token' }));
  const missing = await wshed(['run', 'orders.wshed', '--target', 'aws', '--conf', 'missing.json']);
  assert.is(missing.code, 1, missing.stdout + missing.stderr);
  assert.match(missing.stderr, /error\[WS781\]: cannot read the job service's token file no-such-token \(service\.tokenFile\): ENOENT/);
  assert.not.match(missing.stderr, /\n\s+at /, 'no stack trace');
  assert.not.match(missing.stdout, /emr\.cluster: launched/, 'no cluster launched');
  const weak = 'short-token';
  writeFileSync(path.join(scratch.dir, 'weak-token'), `${weak}\n`);
  writeFileSync(path.join(scratch.dir, 'weak.json'), settings({ tokenFile: 'weak-token' }));
  const r = await wshed(['run', 'orders.wshed', '--target', 'aws', '--conf', 'weak.json']);
  assert.is(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /error\[WS782\]: the token in weak-token \(service\.tokenFile\) is too weak/);
  assert.not.ok((r.stdout + r.stderr).includes(weak), 'the weak token is not echoed');
});

test('plan shows the bootstrap action and the uploads, and the token is in neither the text, --json nor --out', async () => {
  const text = await wshed(['plan', 'orders.wshed', '--target', 'aws', '--conf', 'test.json']);
  assert.is(text.code, 0, text.stderr);
  assert.match(text.stdout, /bootstrap\s+= install-wshed-service \(s3:\/\/acme-lake\/wshed\/cluster\/install-wshed-service\.sh --bundle s3:\/\/acme-lake\/wshed\/cluster\/wshed-bundle\.tgz --port \d+ /);
  assert.match(text.stdout, /--token-file s3:\/\/acme-lake\/wshed\/cluster\/wshed-service-token /);
  assert.match(text.stdout, /"wshed-bundle\.tgz"/);
  const json = await wshed(['plan', 'orders.wshed', '--target', 'aws', '--conf', 'test.json', '--json']);
  assert.is(json.code, 0, json.stderr);
  assert.match(json.stdout, 'install-wshed-service');
  const out = await wshed(['plan', 'orders.wshed', '--target', 'aws', '--conf', 'test.json', '--out', 'plan.json']);
  assert.is(out.code, 0, out.stderr);
  const saved = readFileSync(path.join(scratch.dir, 'plan.json'), 'utf8');
  assert.match(saved, 'service-token');
  seen.push(saved);
  for (const s of [text.stdout, json.stdout, saved]) assert.not.ok(s.includes(TOKEN), 'the token is not in the plan');
});

test('run uploads the bundle and the token; the node installs it; wshed jobs list answers through the tunnel with the token file', async () => {
  const r = await wshed(['run', 'orders.wshed', '--target', 'aws', '--conf', 'test.json']);
  assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /upload\.cluster-resources: .*uploaded .*s3:\/\/acme-lake\/wshed\/cluster\/wshed-bundle\.tgz/);
  const id = /launched cluster (j-\w+)/.exec(r.stdout)?.[1];
  assert.ok(id, r.stdout);

  const clients = createEmrClients({ region: 'us-east-1' });
  const node = path.join(scratch.dir, 'primary-node');
  let tunnel: ReturnType<Scratch['start']> | null = null;
  try {
    // What EMR would run at launch, as moto stored it.
    const listed = await clients.emr.send(new ListBootstrapActionsCommand({ ClusterId: id }));
    const action = (listed.BootstrapActions ?? []).find((b) => b.Name === 'install-wshed-service');
    assert.ok(action, JSON.stringify(listed.BootstrapActions));
    const args = action.Args ?? [];
    assert.equal(args.slice(args.indexOf('--token-file'), args.indexOf('--token-file') + 2), ['--token-file', `s3://${BUCKET}/wshed/cluster/wshed-service-token`]);
    // The token object is encrypted at rest and holds the token (the node reads it with the instance profile).
    const head = await clients.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'wshed/cluster/wshed-service-token' }));
    assert.is(head.ServerSideEncryption, 'AES256');
    const script = await clients.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: action.ScriptPath!.replace(`s3://${BUCKET}/`, '') }));
    mkdirSync(path.join(node, 'info'), { recursive: true });
    mkdirSync(path.join(node, 'bin'));
    writeFileSync(path.join(node, 'info', 'instance.json'), JSON.stringify({ isMaster: true }));
    writeFileSync(path.join(node, 'install-wshed-service.sh'), await script.Body!.transformToString());
    // `aws s3 cp --quiet s3://B/K FILE` on the node, against the emulated bucket (moto wants a signature's shape, not a valid one).
    writeFileSync(
      path.join(node, 'bin', 'aws'),
      `#!/bin/sh\necho "$@" >> "${node}/aws-calls"\n[ "$1 $2 $3" = "s3 cp --quiet" ] || exit 1\nsrc="$4"\nexec curl -sf -H 'Authorization: AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0' -o "$5" "${moto.endpoint}/\${src#s3://}"\n`,
    );
    chmodSync(path.join(node, 'bin', 'aws'), 0o755);
    const prefix = path.join(node, 'opt');
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${path.join(node, 'bin')}:${process.env.PATH}`, WSHED_INFO_DIR: path.join(node, 'info'), WSHED_PREFIX: prefix, WSHED_NO_SYSTEMD: '1', WSHED_NODE: process.execPath };
    delete env.WSHED_TOKEN;
    const installed = spawnSync('bash', [path.join(node, 'install-wshed-service.sh'), ...args], { env, encoding: 'utf8', timeout: 120_000 });
    seen.push(installed.stdout, installed.stderr);
    assert.is(installed.status, 0, installed.stdout + installed.stderr);
    assert.match(readFileSync(path.join(node, 'aws-calls'), 'utf8'), `s3 cp --quiet s3://${BUCKET}/wshed/cluster/wshed-bundle.tgz`);
    const log = path.join(prefix, 'serve.log');
    const until = Date.now() + 60_000;
    while (!(existsSync(log) && /serving 1 pipeline file on http/.test(readFileSync(log, 'utf8')))) {
      if (Date.now() > until) throw new Error(`wshed serve did not start on the node:\n${existsSync(log) ? readFileSync(log, 'utf8') : '(no log)'}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    // The tunnel, held open by `wshed cluster forward`; its jobs forward's local end is printed.
    tunnel = scratch.start(['cluster', 'forward', 'orders.wshed', '--conf', 'test.json']);
    let forwardErr = '';
    const local = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no jobs forward within 60 s:\n${forwardErr}`)), 60_000);
      tunnel!.child.stderr!.on('data', (c: Buffer) => {
        forwardErr += c.toString('utf8');
        const m = new RegExp(`forwarding 127\\.0\\.0\\.1:(\\d+) -> primary node:${servicePort} \\(jobs\\)`).exec(forwardErr);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
    });
    const server = `http://127.0.0.1:${local}`;
    const list = await wshed(['jobs', 'list', '--server', server, '--token-file', 'service-token', '--json']);
    assert.is(list.code, 0, list.stdout + list.stderr);
    assert.equal(JSON.parse(list.stdout), []);
    const replays = await wshed(['jobs', 'replays', '--server', server, '--token-file', 'service-token', '--json']);
    assert.is(replays.code, 0, replays.stdout + replays.stderr);
    assert.equal(JSON.parse(replays.stdout), []);
    const refused = await wshed(['jobs', 'list', '--server', server]);
    assert.is(refused.code, 1);
    assert.match(refused.stderr, /refused the request \(401/);
    seen.push(readFileSync(log, 'utf8'));
  } finally {
    if (tunnel) {
      tunnel.child.kill('SIGINT');
      const closed = await tunnel.done;
      seen.push(closed.stdout, closed.stderr);
    }
    // The node's service, started in the background: stopped by its pid.
    const ps = spawnSync('pgrep', ['-f', path.join(node, 'opt', 'package', 'dist', 'wshed.mjs')], { encoding: 'utf8' });
    for (const pid of ps.stdout.split('\n').filter(Boolean)) process.kill(Number(pid), 'SIGTERM');
    closeEmrClients(clients);
    rmSync(node, { recursive: true, force: true });
  }
  await wshed(['cluster', 'terminate', 'orders.wshed', '--conf', 'test.json']);
});

test('with an SSM parameter the token never reaches watershed: the plan names the parameter only', async () => {
  // The parameter as a user would keep it (moto's SSM, JSON protocol).
  const put = await fetch(moto.endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'AmazonSSM.PutParameter',
      authorization: 'AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/ssm/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: JSON.stringify({ Name: '/wshed/service-token', Value: SSM_TOKEN, Type: 'SecureString' }),
  });
  assert.is(put.status, 200, await put.text());
  writeFileSync(path.join(scratch.dir, 'ssm.json'), settings({ tokenParameter: '/wshed/service-token' }));
  const text = await wshed(['plan', 'orders.wshed', '--target', 'aws', '--conf', 'ssm.json']);
  const json = await wshed(['plan', 'orders.wshed', '--target', 'aws', '--conf', 'ssm.json', '--json', '--out', 'ssm-plan.json']);
  assert.is(text.code, 0, text.stderr);
  assert.is(json.code, 0, json.stderr);
  assert.match(text.stdout, '--token-parameter /wshed/service-token');
  assert.not.match(text.stdout, 'wshed-service-token', 'no token file is uploaded');
  seen.push(readFileSync(path.join(scratch.dir, 'ssm-plan.json'), 'utf8'));
});

test('the tokens are in nothing the CLI, the node or the service printed or wrote', () => {
  assert.ok(seen.length > 10, 'outputs were collected');
  for (const s of seen) {
    assert.not.ok(s.includes(TOKEN), `the file's token leaked:\n${s}`);
    assert.not.ok(s.includes(SSM_TOKEN), `the parameter's token leaked:\n${s}`);
  }
});

test.run();
