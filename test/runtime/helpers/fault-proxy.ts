// An HTTP proxy between the SDK and kinesalite that misbehaves like Kinesis under stress: it fails
// single PutRecords entries (those entries are then NOT written: only the others are forwarded),
// answers whole calls with throttling (400) or 500, drops connections before or after forwarding,
// and can hold each shard to a records/s and bytes/s budget. Also: a destination client without
// SDK retries, and a reader of what a stream holds, de-aggregated.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { localKinesisEndpoint, type KinesisEndpoint } from '../../../src/runtime/kinesis/client.ts';
import { createStreamService } from '../../../src/runtime/kinesis/aws-stream-service.ts';
import { deaggregate } from '../../../src/runtime/kinesis/kpl.ts';
import { readShard } from '../../../src/runtime/kinesis/shard-reader.ts';
import type { ShardInfo, StreamService } from '../../../src/runtime/kinesis/stream-service.ts';
import { ShardRouter } from '../../../src/runtime/replay/shard-router.ts';
import { TokenBucket } from '../../../src/runtime/replay/rate-limiter.ts';
// A seeded PRNG (mulberry32), so a failing run can be repeated.
import { random as seeded } from '../../../src/demo/sample-orders.ts';

export type RequestFault = 'throttle' | 'error-500' | 'drop-before' | 'drop-after';

export interface FaultProxyOptions {
  /** Port of the kinesalite behind the proxy. */
  readonly targetPort: number;
  /** Fraction of PutRecords entries failed one by one (ProvisionedThroughputExceeded or InternalFailure). */
  readonly entryFailureRate?: number;
  /** Fraction of PutRecords calls failed as a whole, by one of `requestFaults` picked at random. */
  readonly requestFaultRate?: number;
  readonly requestFaults?: readonly RequestFault[];
  /** Entries for which this is true always fail (InternalFailure). */
  readonly failEntry?: (entry: { partitionKey: string; data: Buffer }) => boolean;
  /** Per-shard budget of the destination (shards from ListShards); entries over it get throttled. */
  readonly throughput?: { readonly recordsPerSecond: number; readonly bytesPerSecond: number; readonly shards: readonly ShardInfo[] };
  /** PutRecords answers come this much later than the records are written (a slow network). */
  readonly answerDelayMs?: number;
  readonly seed?: number;
}

export interface FaultStats {
  putCalls: number;
  /** Entries forwarded to kinesalite (and so written, unless kinesalite failed them). */
  entriesForwarded: number;
  entriesFailed: number;
  entriesThrottled: number;
  requestFaults: Record<RequestFault, number>;
}

export interface FaultProxy {
  readonly port: number;
  readonly endpoint: KinesisEndpoint;
  readonly stats: FaultStats;
  close(): Promise<void>;
}

interface WireEntry {
  Data: string;
  PartitionKey: string;
  ExplicitHashKey?: string;
}

type WireResult = { SequenceNumber: string; ShardId: string } | { ErrorCode: string; ErrorMessage: string };

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const random = seeded(options.seed ?? 1);
  const faults = options.requestFaults ?? ['throttle', 'error-500', 'drop-before', 'drop-after'];
  const stats: FaultStats = {
    putCalls: 0,
    entriesForwarded: 0,
    entriesFailed: 0,
    entriesThrottled: 0,
    requestFaults: { throttle: 0, 'error-500': 0, 'drop-before': 0, 'drop-after': 0 },
  };
  const limit = options.throughput;
  const router = limit ? new ShardRouter(limit.shards) : null;
  const buckets = new Map<string, { records: TokenBucket; bytes: TokenBucket }>();
  const bucketsOf = (shardId: string) => {
    let b = buckets.get(shardId);
    if (!b) {
      b = { records: new TokenBucket(limit!.recordsPerSecond, limit!.recordsPerSecond), bytes: new TokenBucket(limit!.bytesPerSecond, limit!.bytesPerSecond) };
      buckets.set(shardId, b);
    }
    return b;
  };

  const server = http.createServer(async (req, res) => {
    const body = await readBody(req);
    const target = String(req.headers['x-amz-target'] ?? '');
    if (!target.endsWith('.PutRecords')) {
      const answer = await forward(options.targetPort, req, body);
      return reply(res, answer.status, answer.body);
    }
    stats.putCalls++;
    if (random() < (options.requestFaultRate ?? 0)) {
      const fault = faults[Math.floor(random() * faults.length)];
      stats.requestFaults[fault]++;
      switch (fault) {
        case 'throttle':
          return reply(res, 400, JSON.stringify({ __type: 'ProvisionedThroughputExceededException', message: 'Rate exceeded (fault proxy)' }));
        case 'error-500':
          return reply(res, 500, JSON.stringify({ __type: 'InternalFailure', message: 'internal failure (fault proxy)' }));
        case 'drop-before':
          return req.socket.destroy();
        case 'drop-after': {
          // Written, but the caller never hears so: it must count these as possible duplicates.
          await forward(options.targetPort, req, body);
          stats.entriesForwarded += (JSON.parse(body.toString('utf8')) as { Records: unknown[] }).Records.length;
          return req.socket.destroy();
        }
      }
    }
    const request = JSON.parse(body.toString('utf8')) as { Records: WireEntry[] } & Record<string, unknown>;
    const results: (WireResult | null)[] = request.Records.map((entry) => {
      const data = Buffer.from(entry.Data, 'base64');
      if (options.failEntry?.({ partitionKey: entry.PartitionKey, data })) return failed(stats, 'InternalFailure');
      if (random() < (options.entryFailureRate ?? 0)) {
        return failed(stats, random() < 0.5 ? 'ProvisionedThroughputExceededException' : 'InternalFailure');
      }
      if (router) {
        const b = bucketsOf(router.shardFor(entry.PartitionKey, entry.ExplicitHashKey));
        const bytes = data.length + Buffer.byteLength(entry.PartitionKey);
        const now = performance.now();
        if (b.records.waitMs(1, now) > 0 || b.bytes.waitMs(bytes, now) > 0) {
          stats.entriesThrottled++;
          return { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded for shard (fault proxy)' };
        }
        b.records.take(1, now);
        b.bytes.take(bytes, now);
      }
      return null;
    });
    const passing = request.Records.filter((_, i) => results[i] === null);
    if (passing.length > 0) {
      const forwarded = await forward(options.targetPort, req, Buffer.from(JSON.stringify({ ...request, Records: passing })));
      if (forwarded.status !== 200) return reply(res, forwarded.status, forwarded.body);
      const written = (JSON.parse(forwarded.body) as { Records: WireResult[] }).Records;
      stats.entriesForwarded += passing.length;
      let k = 0;
      for (let i = 0; i < results.length; i++) if (results[i] === null) results[i] = written[k++];
    }
    const records = results as WireResult[];
    const failedCount = records.filter((r) => 'ErrorCode' in r).length;
    if (options.answerDelayMs) await new Promise((r) => setTimeout(r, options.answerDelayMs));
    reply(res, 200, JSON.stringify({ FailedRecordCount: failedCount, Records: records }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    endpoint: localKinesisEndpoint(port),
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function failed(stats: FaultStats, code: string): WireResult {
  stats.entriesFailed++;
  return { ErrorCode: code, ErrorMessage: `${code} (fault proxy)` };
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function forward(port: number, req: http.IncomingMessage, body: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers, 'content-length': String(body.length) };
    const out = http.request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (c: Buffer) => chunks.push(c));
      answer.on('end', () => resolve({ status: answer.statusCode ?? 500, body: Buffer.concat(chunks).toString('utf8') }));
      answer.on('error', reject);
    });
    out.on('error', reject);
    out.end(body);
  });
}

function reply(res: http.ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'content-length': Buffer.byteLength(body), 'x-amzn-requestid': 'fault-proxy' });
  res.end(body);
}

/**
 * A stream service whose client makes one attempt per call: the replay's own retries then see
 * every failure (the shared client retries throttling and 5xx by itself, up to 4 attempts).
 */
export function singleAttemptStreamService(endpoint: KinesisEndpoint): StreamService {
  return createStreamService(endpoint, { maxAttempts: 1 });
}

/** A user record found in a stream, with the Kinesis record that carried it. */
export interface StoredUserRecord {
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly subSequenceNumber: number;
  readonly partitionKey: string;
  readonly data: Buffer;
  readonly aggregated: boolean;
  /** Partition key of the Kinesis record (an aggregate's is its first user record's). */
  readonly carrierKey: string;
}

/** Every user record a stream holds, shard by shard in stream order, aggregates unpacked. */
export async function readStream(streams: StreamService, stream: string): Promise<StoredUserRecord[]> {
  const out: StoredUserRecord[] = [];
  for (const shard of await streams.listShards(stream)) {
    for await (const page of readShard(streams, stream, shard.shardId, { from: { kind: 'trim-horizon' } })) {
      for (const record of page.records) {
        const unpacked = deaggregate(record);
        if (!unpacked.ok) throw new Error(unpacked.error);
        for (const user of unpacked.records) {
          out.push({
            shardId: shard.shardId,
            sequenceNumber: record.sequenceNumber,
            subSequenceNumber: user.subSequenceNumber,
            partitionKey: user.partitionKey,
            data: user.data,
            aggregated: user.aggregated,
            carrierKey: record.partitionKey,
          });
        }
      }
    }
  }
  return out;
}

/** A replay destination's records, split: the replay runs' markers (one per shard per run) and the replayed records. */
export async function readReplayed(streams: StreamService, stream: string): Promise<{ records: StoredUserRecord[]; markers: StoredUserRecord[] }> {
  const all = await readStream(streams, stream);
  const isMarker = (r: StoredUserRecord) => r.partitionKey === '_wshed-replay-marker';
  return { records: all.filter((r) => !isMarker(r)), markers: all.filter(isMarker) };
}
