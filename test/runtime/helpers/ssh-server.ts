// A real SSH server for tests, in process (ssh2's Server) on an ephemeral loopback port: a
// generated host key, one authorized client key, direct-tcpip forwarding to what it is asked for
// (as sshd's AllowTcpForwarding), and ways to drop or freeze connections to test recovery.

import { spawn } from 'node:child_process';
import { connect, createServer, type Server as NetServer, type Socket } from 'node:net';
import ssh2 from 'ssh2';

const { Server, utils } = ssh2;

export interface TestKeys {
  /** OpenSSH-format private key (what ssh.keyFile holds). */
  readonly privateKey: string;
  readonly publicKey: string;
}

export function generateKeys(): TestKeys {
  const k = utils.generateKeyPairSync('ed25519');
  return { privateKey: k.private, publicKey: k.public };
}

export interface TestSshServer {
  readonly port: number;
  /** Connections that authenticated, ever. */
  readonly logins: () => number;
  /** Closes every client connection (the server keeps listening). */
  dropAll(): void;
  close(): Promise<void>;
}

export interface StartOptions {
  readonly hostKey: string;
  readonly clientPublicKey: string;
  readonly port?: number;
  /** Run exec requests as sshd would (`sh -c COMMAND`) with this environment (e.g. a PATH holding a fake `hive`). */
  readonly execEnv?: NodeJS.ProcessEnv;
}

export async function startTestSshServer(options: StartOptions): Promise<TestSshServer> {
  const allowed = utils.parseKey(options.clientPublicKey);
  if (allowed instanceof Error) throw allowed;
  const allowedBlob = allowed.getPublicSSH();
  let logins = 0;
  const clients = new Set<ssh2.Connection>();
  const server = new Server({ hostKeys: [options.hostKey] }, (client) => {
    clients.add(client);
    client.once('close', () => clients.delete(client));
    client.on('authentication', (ctx) => {
      if (ctx.method !== 'publickey' || !ctx.key.data.equals(allowedBlob)) return ctx.reject(['publickey']);
      if (ctx.signature && ctx.blob && allowed.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true) return ctx.reject(['publickey']);
      ctx.accept();
    });
    client.on('ready', () => {
      logins++;
      client.on('session', (acceptSession, rejectSession) => {
        if (!options.execEnv) return rejectSession();
        const session = acceptSession();
        session.on('exec', (acceptExec, _rejectExec, info) => {
          const channel = acceptExec();
          const child = spawn('sh', ['-c', info.command], { env: options.execEnv, stdio: ['pipe', 'pipe', 'pipe'] });
          channel.pipe(child.stdin);
          child.stdout.pipe(channel, { end: false });
          child.stderr.pipe(channel.stderr, { end: false });
          child.on('close', (code) => {
            channel.exit(code ?? 1);
            channel.end();
          });
        });
      });
      client.on('tcpip', (accept, _reject, info) => {
        const channel = accept();
        const upstream = connect(info.destPort, info.destIP);
        upstream.setNoDelay(true);
        upstream.on('error', () => channel.close());
        channel.on('error', () => upstream.destroy());
        channel.pipe(upstream).pipe(channel);
      });
    });
    client.on('error', () => {});
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as { port: number }).port,
    logins: () => logins,
    dropAll: () => {
      for (const c of clients) c.end();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of clients) c.end();
        server.close(() => resolve());
      }),
  };
}

/** A TCP relay whose existing connections can be frozen (bytes stop, nothing closes), like a dead route. */
export interface FreezableRelay {
  readonly port: number;
  freeze(): void;
  close(): Promise<void>;
}

export async function startRelay(targetPort: number): Promise<FreezableRelay> {
  const pairs = new Set<[Socket, Socket]>();
  const server: NetServer = createServer((a) => {
    const b = connect(targetPort, '127.0.0.1');
    const pair: [Socket, Socket] = [a, b];
    pairs.add(pair);
    a.pipe(b).pipe(a);
    const end = () => {
      a.destroy();
      b.destroy();
    };
    a.on('error', end).on('close', end);
    b.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as { port: number }).port,
    freeze: () => {
      for (const [a, b] of pairs) {
        a.unpipe(b);
        b.unpipe(a);
        a.pause();
        b.pause();
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const [a, b] of pairs) {
          a.destroy();
          b.destroy();
        }
        server.close(() => resolve());
      }),
  };
}
