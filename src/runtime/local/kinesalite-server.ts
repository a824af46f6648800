// Runs kinesalite inside this process, bound to 127.0.0.1 (its own CLI listens on every
// interface), with instant stream state changes so local runs never wait on fake provisioning.

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import kinesalite from 'kinesalite';

export interface KinesaliteServer {
  readonly port: number;
  close(): Promise<void>;
}

export interface KinesaliteOptions {
  /** LevelDB folder; omit to keep the streams in memory (tests). */
  readonly dataPath?: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly shardLimit?: number;
}

/** kinesalite's limit on open shards across all streams of the service (its account limit). */
export const DEFAULT_SHARD_LIMIT = 100;

export async function listenKinesalite(options: KinesaliteOptions): Promise<KinesaliteServer> {
  const server: Server = kinesalite({
    ...(options.dataPath ? { path: options.dataPath } : {}),
    createStreamMs: 0,
    deleteStreamMs: 0,
    updateStreamMs: 0,
    shardLimit: options.shardLimit ?? DEFAULT_SHARD_LIMIT,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | null = null;
  return {
    port,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        // kinesalite's close closes its database first, then the HTTP server; idle keep-alive
        // sockets would hold the server open, so drop them.
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
