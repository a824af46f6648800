// The tunnel to the primary node against a real SSH server on 127.0.0.1 (ssh2's Server with a
// generated host key and direct-tcpip), forwarding to a real local HTTP server: requests go
// through; the host key is pinned on first use and a changed key is refused; a dropped connection
// is reconnected; keepalives find a connection that went silent; close() stops the listeners.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect, createServer as createTcpServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { openTunnel, type TunnelEvent, type TunnelTarget } from '../../src/runtime/aws/tunnel/tunnel.ts';
import { isRuntimeError } from '../../src/runtime/runtime-error.ts';
import { generateKeys, startRelay, startTestSshServer, type TestSshServer } from './helpers/ssh-server.ts';

let dir: string;
let http: Server;
let httpPort: number;
const clientKeys = generateKeys();
const hostKey = generateKeys().privateKey;
const servers: TestSshServer[] = [];

test.before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'wshed-tunnel-'));
  // Stands for Drill's REST port on the primary node.
  http = createServer((req, res) => res.end(JSON.stringify({ path: req.url })));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()));
  httpPort = (http.address() as { port: number }).port;
});
test.after(async () => {
  await new Promise<void>((resolve) => http.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});
test.after.each(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function sshServer(options: { hostKey?: string; port?: number } = {}): Promise<TestSshServer> {
  const s = await startTestSshServer({ hostKey: options.hostKey ?? hostKey, clientPublicKey: clientKeys.publicKey, ...(options.port ? { port: options.port } : {}) });
  servers.push(s);
  return s;
}

function target(port: number, knownHosts = path.join(dir, `known_hosts-${port}`), keepaliveSeconds = 15): TunnelTarget {
  return { host: '127.0.0.1', port, user: 'hadoop', privateKey: Buffer.from(clientKeys.privateKey), knownHostsFile: knownHosts, keepaliveSeconds };
}

const get = async (port: number, p = '/status') => (await (await fetch(`http://127.0.0.1:${port}${p}`)).json()) as { path: string };

/** Resolves with the first event of that kind (or fails after a generous bound). */
function eventLog() {
  const events: TunnelEvent[] = [];
  const waiting: { kind: TunnelEvent['kind']; after: number; resolve: (e: TunnelEvent) => void }[] = [];
  return {
    events,
    onEvent: (e: TunnelEvent) => {
      events.push(e);
      for (const w of [...waiting]) if (w.kind === e.kind && events.length > w.after) (waiting.splice(waiting.indexOf(w), 1), w.resolve(e));
    },
    next(kind: TunnelEvent['kind'], timeoutMs = 30_000): Promise<TunnelEvent> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no '${kind}' event within ${timeoutMs} ms: ${JSON.stringify(events)}`)), timeoutMs);
        waiting.push({ kind, after: events.length, resolve: (e) => (clearTimeout(timer), resolve(e)) });
      });
    },
  };
}

test('forwards a local port to a service on the primary node; the host key is pinned on first use', async () => {
  const server = await sshServer();
  const log = eventLog();
  const known = path.join(dir, 'known_hosts-first');
  const tunnel = await openTunnel(target(server.port, known), { forwards: [{ service: 'drill', localPort: 0, remotePort: httpPort }], onEvent: log.onEvent });
  try {
    assert.equal(await get(tunnel.ports.drill!, '/query.json'), { path: '/query.json' });
    // Several requests share the one SSH connection.
    await Promise.all([1, 2, 3].map((i) => get(tunnel.ports.drill!, `/${i}`)));
    assert.is(server.logins(), 1);
    const pinned = log.events.find((e) => e.kind === 'pinned');
    assert.ok(pinned && pinned.kind === 'pinned' && pinned.fingerprint.startsWith('SHA256:'), 'pinning is said, never silent');
    assert.match(readFileSync(known, 'utf8'), new RegExp(`^\\[127\\.0\\.0\\.1\\]:${server.port} ssh-ed25519 \\S+\\n$`));
  } finally {
    await tunnel.close();
  }
  // The second time the key is known: nothing is pinned again.
  const again = eventLog();
  const second = await openTunnel(target(server.port, known), { forwards: [{ service: 'drill', localPort: 0, remotePort: httpPort }], onEvent: again.onEvent });
  await second.close();
  assert.not.ok(again.events.some((e) => e.kind === 'pinned'));
  assert.is(readFileSync(known, 'utf8').split('\n').length, 2, 'one line');
});

test('a changed host key is refused (WS836) and the pinned key is kept', async () => {
  const first = await sshServer();
  const known = path.join(dir, 'known_hosts-changed');
  await (await openTunnel(target(first.port, known), { forwards: [] })).close();
  const pinned = readFileSync(known, 'utf8');
  const port = first.port;
  await first.close();
  servers.splice(servers.indexOf(first), 1);
  // Same address, another key: a replaced node, or someone in between.
  const impostor = await sshServer({ hostKey: generateKeys().privateKey, port });
  try {
    await openTunnel(target(impostor.port, known), { forwards: [{ service: 'drill', localPort: 0, remotePort: httpPort }] });
    assert.unreachable('connected despite a changed host key');
  } catch (err) {
    assert.ok(isRuntimeError(err, 'WS836'), String(err));
    assert.match((err as Error).message, /host key of 127\.0\.0\.1 changed: pinned SHA256:\S+, offered SHA256:\S+/);
    assert.match((err as { fix: string }).fix, known);
  }
  assert.is(impostor.logins(), 0);
  assert.is(readFileSync(known, 'utf8'), pinned);
});

test('after the server drops the connection the tunnel reconnects and the same local port works', async () => {
  const server = await sshServer();
  const log = eventLog();
  const tunnel = await openTunnel(target(server.port), { forwards: [{ service: 'hive', localPort: 0, remotePort: httpPort }], onEvent: log.onEvent, reconnectDelaysMs: [10] });
  try {
    const port = tunnel.ports.hive!;
    assert.equal(await get(port, '/before'), { path: '/before' });
    const reconnected = log.next('connected');
    server.dropAll();
    await reconnected;
    assert.ok(log.events.some((e) => e.kind === 'dropped'));
    assert.equal(await get(port, '/after'), { path: '/after' });
    assert.is(server.logins(), 2);
  } finally {
    await tunnel.close();
  }
});

test('keepalives find a connection that went silent, and the tunnel reconnects', async () => {
  const server = await sshServer();
  const relay = await startRelay(server.port);
  const log = eventLog();
  // The relay stands for the route to the node; pinned under its port.
  const tunnel = await openTunnel(target(relay.port, undefined, 1), { forwards: [{ service: 'drill', localPort: 0, remotePort: httpPort }], onEvent: log.onEvent, reconnectDelaysMs: [10] });
  try {
    assert.equal(await get(tunnel.ports.drill!, '/a'), { path: '/a' });
    const dropped = log.next('dropped');
    const reconnected = log.next('connected');
    relay.freeze(); // nothing closes: only unanswered keepalives can tell
    const e = await dropped;
    assert.ok(e.kind === 'dropped' && /keepalive/i.test(e.why), JSON.stringify(e));
    await reconnected;
    assert.equal(await get(tunnel.ports.drill!, '/b'), { path: '/b' });
  } finally {
    await tunnel.close();
    await relay.close();
  }
});

test('a local port in use is WS839 naming the setting; close() stops listening', async () => {
  const server = await sshServer();
  const busy = createTcpServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', () => resolve()));
  const busyPort = (busy.address() as { port: number }).port;
  try {
    await openTunnel(target(server.port), { forwards: [{ service: 'hive', localPort: busyPort, remotePort: httpPort }] });
    assert.unreachable('listened on a busy port');
  } catch (err) {
    assert.ok(isRuntimeError(err, 'WS839'), String(err));
    assert.match((err as { fix: string }).fix, 'ssh.localHivePort');
  } finally {
    busy.close();
  }
  const tunnel = await openTunnel(target(server.port), { forwards: [{ service: 'jobs', localPort: 0, remotePort: httpPort }] });
  const port = tunnel.ports.jobs!;
  await tunnel.close();
  assert.equal(await tunnel.closed, { error: null });
  const refused = await new Promise<string>((resolve) => connect(port, '127.0.0.1').on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? '')).on('connect', () => resolve('connected')));
  assert.is(refused, 'ECONNREFUSED');
});

test('a key the server does not accept is WS837 with what to check', async () => {
  const server = await sshServer();
  try {
    await openTunnel({ ...target(server.port), privateKey: Buffer.from(generateKeys().privateKey) }, { forwards: [] });
    assert.unreachable('authenticated with a wrong key');
  } catch (err) {
    assert.ok(isRuntimeError(err, 'WS837'), String(err));
    assert.match((err as Error).message, `hadoop@127.0.0.1:${server.port}`);
  }
});

test.run();
