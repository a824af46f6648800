// The tunnel to the cluster's primary node (the original's forward-local-ports, `ssh -L` for each
// of Drill, HiveServer2 and the job service): local listeners on 127.0.0.1 whose connections go
// through one ssh2 connection as direct-tcpip channels. Keepalives detect a dead connection, which
// is reconnected (the listeners stay); the host key is pinned on first use (known-hosts.ts).

import { connect as tcpConnect, createServer, type Server, type Socket } from 'node:net';
import { Client } from 'ssh2';
import type { TunnelForward } from '../../../compiler/plan/types.ts';
import { RuntimeError } from '../../runtime-error.ts';
import { checkHostKey } from './known-hosts.ts';

export interface TunnelTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly privateKey: Buffer;
  readonly knownHostsFile: string;
  readonly keepaliveSeconds: number;
}

export type TunnelEvent =
  | { readonly kind: 'connected'; readonly attempt: number }
  | { readonly kind: 'pinned'; readonly host: string; readonly fingerprint: string; readonly file: string }
  | { readonly kind: 'listening'; readonly service: TunnelForward['service']; readonly localPort: number; readonly remotePort: number }
  | { readonly kind: 'dropped'; readonly why: string }
  | { readonly kind: 'reconnecting'; readonly inMs: number; readonly attempt: number }
  | { readonly kind: 'channel-failed'; readonly service: TunnelForward['service']; readonly why: string };

export interface TunnelOptions {
  readonly forwards: readonly TunnelForward[];
  readonly onEvent?: (event: TunnelEvent) => void;
  /** Waits before each reconnection attempt; the last repeats (default 1, 2, 5, 10, 30 s). */
  readonly reconnectDelaysMs?: readonly number[];
  /** How long a local connection waits for a reconnection before it is closed (default 60 s). */
  readonly waitForConnectionMs?: number;
}

export interface Tunnel {
  /** Local port of each forward (the given one, or the one picked for 0). */
  readonly ports: Readonly<Partial<Record<TunnelForward['service'], number>>>;
  /** Resolves when the tunnel has stopped: after close(), or with the error that stopped it. */
  readonly closed: Promise<{ readonly error: RuntimeError | null }>;
  close(): Promise<void>;
}

const KEEPALIVE_COUNT_MAX = 3;

/** Connects (the first connection must succeed: its error is thrown), then listens locally. */
export async function openTunnel(target: TunnelTarget, options: TunnelOptions): Promise<Tunnel> {
  const emit = options.onEvent ?? (() => {});
  const delays = options.reconnectDelaysMs ?? [1000, 2000, 5000, 10_000, 30_000];
  let client: Client | null = await connectOnce(target, emit);
  emit({ kind: 'connected', attempt: 1 });
  let stopping = false;
  let waiters: (() => void)[] = [];
  let finish!: (r: { error: RuntimeError | null }) => void;
  const closed = new Promise<{ error: RuntimeError | null }>((resolve) => (finish = resolve));
  const servers: Server[] = [];
  const sockets = new Set<Socket>();

  const stop = async (error: RuntimeError | null) => {
    if (stopping) return;
    stopping = true;
    client?.end();
    client = null;
    for (const w of waiters) w();
    waiters = [];
    for (const s of sockets) s.destroy();
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    finish({ error });
  };

  const watch = (c: Client) => {
    c.once('close', () => {
      if (stopping || client !== c) return;
      client = null;
      emit({ kind: 'dropped', why: lastError.get(c) ?? 'connection closed' });
      void reconnect();
    });
  };

  const reconnect = async () => {
    for (let attempt = 2; !stopping; attempt++) {
      const inMs = delays[Math.min(attempt - 2, delays.length - 1)] ?? 1000;
      emit({ kind: 'reconnecting', inMs, attempt });
      await new Promise((r) => setTimeout(r, inMs));
      if (stopping) return;
      try {
        const c = await connectOnce(target, emit);
        if (stopping) return void c.end();
        client = c;
        watch(c);
        emit({ kind: 'connected', attempt });
        for (const w of waiters) w();
        waiters = [];
        return;
      } catch (err) {
        // A changed host key is not a network hiccup: the tunnel stops and says why.
        if (err instanceof RuntimeError && err.code === 'WS836') return void stop(err);
        emit({ kind: 'dropped', why: (err as Error).message });
      }
    }
  };

  watch(client);
  const ports: Partial<Record<TunnelForward['service'], number>> = {};
  try {
    for (const f of options.forwards) {
      const server = createServer((local) => {
        local.setNoDelay(true);
        sockets.add(local);
        local.once('close', () => sockets.delete(local));
        local.on('error', () => local.destroy());
        void forward(local, f);
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', (err: NodeJS.ErrnoException) =>
          reject(err.code === 'EADDRINUSE' ? new RuntimeError('WS839', { port: f.localPort, service: f.service, setting: settingOf(f.service) }) : err),
        );
        server.listen(f.localPort, '127.0.0.1', () => resolve());
      });
      servers.push(server);
      const port = (server.address() as { port: number }).port;
      ports[f.service] = port;
      emit({ kind: 'listening', service: f.service, localPort: port, remotePort: f.remotePort });
    }
  } catch (err) {
    await stop(null);
    throw err;
  }

  async function ready(): Promise<Client | null> {
    if (client) return client;
    const timeout = options.waitForConnectionMs ?? 60_000;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeout);
      waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    return client;
  }

  async function forward(local: Socket, f: TunnelForward): Promise<void> {
    local.pause();
    const c = await ready();
    if (!c || local.destroyed) return void local.destroy();
    c.forwardOut('127.0.0.1', local.remotePort ?? 0, '127.0.0.1', f.remotePort, (err, channel) => {
      if (err) {
        emit({ kind: 'channel-failed', service: f.service, why: err.message });
        return void local.destroy();
      }
      local.pipe(channel).pipe(local);
      channel.on('error', () => local.destroy());
      channel.once('close', () => local.destroy());
      local.once('close', () => channel.close());
      local.resume();
    });
  }

  return { ports, closed, close: () => stop(null) };
}

const lastError = new WeakMap<Client, string>();

function settingOf(service: TunnelForward['service']): string {
  return service === 'drill' ? 'localDrillPort' : service === 'hive' ? 'localHivePort' : 'localServicePort';
}

/** One SSH connection over a socket with Nagle off (small requests otherwise wait ~40-90 ms). */
export function connectOnce(target: TunnelTarget, emit: (e: TunnelEvent) => void = () => {}): Promise<Client> {
  return new Promise((resolve, reject) => {
    const where = { user: target.user, host: target.host, port: target.port };
    let changed: RuntimeError | null = null;
    const sock = tcpConnect({ host: target.host, port: target.port });
    sock.setNoDelay(true);
    const fail = (err: Error) => {
      sock.destroy();
      reject(changed ?? (err instanceof RuntimeError ? err : new RuntimeError('WS837', { ...where, why: err.message }, { cause: err })));
    };
    sock.once('error', fail);
    sock.once('connect', () => {
      sock.removeListener('error', fail);
      const c = new Client();
      c.once('ready', () => {
        c.removeListener('error', fail);
        c.on('error', (err) => lastError.set(c, err.message));
        resolve(c);
      });
      c.once('error', fail);
      c.connect({
        sock,
        username: target.user,
        privateKey: target.privateKey,
        readyTimeout: 30_000,
        keepaliveInterval: target.keepaliveSeconds * 1000,
        keepaliveCountMax: KEEPALIVE_COUNT_MAX,
        hostVerifier: (key: Buffer) => {
          const check = checkHostKey(target.knownHostsFile, target.host, target.port, key);
          if (check.kind === 'changed') {
            changed = new RuntimeError('WS836', { host: target.host, pinned: check.pinned, offered: check.offered, file: target.knownHostsFile });
            return false;
          }
          if (check.kind === 'pinned') emit({ kind: 'pinned', host: target.host, fingerprint: check.fingerprint, file: target.knownHostsFile });
          return true;
        },
      });
    });
  });
}
