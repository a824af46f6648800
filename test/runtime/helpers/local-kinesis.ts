// Test fixtures for the runtime: a real kinesalite in this process on an ephemeral port, temp
// folders that are removed afterwards, archive steps, and readers of what a reservoir holds.

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Location } from '../../../src/compiler/model.ts';
import type { ArchiveStep } from '../../../src/compiler/plan/types.ts';
import type { QuarantineRecord, ReservoirRecord } from '../../../src/compiler/record-layout.ts';
import { createStreamService } from '../../../src/runtime/kinesis/aws-stream-service.ts';
import { localKinesisEndpoint, type KinesisEndpoint } from '../../../src/runtime/kinesis/client.ts';
import type { KinesisRecord, StreamService } from '../../../src/runtime/kinesis/stream-service.ts';
import { listenKinesalite } from '../../../src/runtime/local/kinesalite-server.ts';
import { isDataFile, isQuarantineFile } from '../../../src/runtime/reservoir/file-names.ts';
import { FsReservoirStore } from '../../../src/runtime/reservoir/fs-store.ts';
import type { ReservoirStore, StagedFile } from '../../../src/runtime/reservoir/store.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

export interface TestKinesis {
  readonly port: number;
  readonly endpoint: KinesisEndpoint;
  readonly streams: StreamService;
  close(): Promise<void>;
}

/** A kinesalite server in this process (in memory unless `dataPath` is given). */
export async function startTestKinesis(options: { dataPath?: string } = {}): Promise<TestKinesis> {
  const server = await listenKinesalite({ port: 0, ...(options.dataPath ? { dataPath: options.dataPath } : {}) });
  const endpoint = localKinesisEndpoint(server.port);
  const streams = createStreamService(endpoint);
  return {
    port: server.port,
    endpoint,
    streams,
    async close() {
      streams.close();
      await server.close();
    },
  };
}

export interface TempDir {
  readonly path: string;
  remove(): Promise<void>;
}

export async function tempDir(prefix = 'wshed-test-'): Promise<TempDir> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  return { path: dir, remove: () => fs.rm(dir, { recursive: true, force: true }) };
}

/** An archive step into `root`: a folder, or any location (an S3 bucket and prefix). */
export function archiveStep(reservoir: string, stream: string, root: string | Location, overrides: Partial<ArchiveStep> = {}): ArchiveStep {
  return {
    id: `archive.${reservoir}`,
    kind: 'archive',
    action: 'run',
    after: [],
    reservoir,
    stream,
    via: 'archiver',
    location: typeof root === 'string' ? { kind: 'local', path: root } : root,
    format: 'json',
    partition: 'hourly',
    everySeconds: 60,
    ...overrides,
  };
}

export interface ReservoirContents {
  readonly records: ReservoirRecord[];
  readonly quarantined: QuarantineRecord[];
  readonly dataFiles: string[];
  readonly quarantineFiles: string[];
}

/** Every record in the visible NDJSON files of a reservoir (a folder, or any store). */
export async function readReservoir(root: string | ReservoirStore): Promise<ReservoirContents> {
  const store = typeof root === 'string' ? new FsReservoirStore(root) : root;
  const out: ReservoirContents = { records: [], quarantined: [], dataFiles: [], quarantineFiles: [] };
  for await (const file of store.list()) {
    const data = isDataFile(file.path);
    if (!data && !isQuarantineFile(file.path)) continue;
    (data ? out.dataFiles : out.quarantineFiles).push(file.path);
    if (!file.path.endsWith('.json')) continue;
    const text = (await store.read(file.path))!.toString('utf8');
    for (const line of text.split('\n')) {
      if (line === '') continue;
      if (data) out.records.push(JSON.parse(line) as ReservoirRecord);
      else out.quarantined.push(JSON.parse(line) as QuarantineRecord);
    }
  }
  out.dataFiles.sort();
  out.quarantineFiles.sort();
  return out;
}

/** The identity of an archived user record. */
export function recordKey(r: { shard_id: string; sequence_number: string; sub_sequence_number: number }): string {
  return `${r.shard_id}/${r.sequence_number}/${r.sub_sequence_number}`;
}

export function jsonEntries(count: number, start = 0, keyPrefix = 'k'): { partitionKey: string; data: Buffer }[] {
  return Array.from({ length: count }, (_, i) => ({
    partitionKey: `${keyPrefix}${(start + i) % 97}`,
    data: Buffer.from(JSON.stringify({ n: start + i, name: `record ${start + i}` })),
  }));
}

/** Resolves to the error `run` rejects with; fails the test when it does not reject or the message differs. */
export async function rejects(run: () => Promise<unknown>, message?: RegExp): Promise<Error> {
  try {
    await run();
  } catch (err) {
    if (message && !message.test((err as Error).message)) {
      throw new Error(`expected an error matching ${message}, got: ${(err as Error).message}`);
    }
    return err as Error;
  }
  throw new Error(`expected a rejection${message ? ` matching ${message}` : ''}`);
}

let streamCounter = 0;
/** A stream name not used before in this process. */
export function uniqueStream(prefix = 's'): string {
  return `${prefix}-${process.pid}-${++streamCounter}`;
}

/** The stream service with arrival times rewritten (to place records in chosen partitions). */
export function withArrivalTimes(streams: StreamService, arrival: (record: KinesisRecord) => Date): StreamService {
  return Object.assign(Object.create(streams) as StreamService, {
    async getRecords(iterator: string, limit?: number) {
      const page = await streams.getRecords(iterator, limit);
      return { ...page, records: page.records.map((r) => ({ ...r, arrivalTime: arrival(r) })) };
    },
  });
}

/** The store with every publish recorded, in order (to check which shard's files came first). */
export function recordingPublishes(store: ReservoirStore): { store: ReservoirStore; published: string[] } {
  const published: string[] = [];
  const wrapped = Object.assign(Object.create(store) as ReservoirStore, {
    async stage() {
      const staged = await store.stage();
      const recording: StagedFile = {
        localPath: staged.localPath,
        get bytes() {
          return staged.bytes;
        },
        append: (data) => staged.append(data),
        seal: () => staged.seal(),
        discard: () => staged.discard(),
        async publish(p) {
          await staged.publish(p);
          published.push(p);
        },
      };
      return recording;
    },
  });
  return { store: wrapped, published };
}
