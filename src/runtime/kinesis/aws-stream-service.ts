// The stream service over the AWS SDK: the same code serves the local service and AWS Kinesis,
// only the client's endpoint differs (see client.ts).

import {
  CreateStreamCommand,
  DecreaseStreamRetentionPeriodCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  IncreaseStreamRetentionPeriodCommand,
  ListShardsCommand,
  ListStreamsCommand,
  PutRecordsCommand,
  type GetShardIteratorCommandInput,
  type KinesisClient,
  type Shard,
} from '@aws-sdk/client-kinesis';
import { RuntimeError } from '../runtime-error.ts';
import { type ClientOptions, createKinesisClient, type KinesisEndpoint } from './client.ts';
import {
  isNotFound,
  type EnsureStreamResult,
  type KinesisRecord,
  type PutEntry,
  type PutOutcome,
  type RecordsPage,
  type ShardInfo,
  type ShardPosition,
  type StreamDescription,
  type StreamService,
} from './stream-service.ts';

const STREAM_WAIT_MS = 60_000;

export function createStreamService(endpoint: KinesisEndpoint, options: ClientOptions = {}): StreamService {
  return new AwsStreamService(createKinesisClient(endpoint, options));
}

export class AwsStreamService implements StreamService {
  constructor(private readonly client: KinesisClient) {}

  async ensureStream(name: string, shards: number, retentionHours: number): Promise<EnsureStreamResult> {
    let current = await this.describeStream(name);
    if (current?.status === 'DELETING') {
      await this.waitForStream(name, 'absent');
      current = null;
    }
    if (!current) {
      try {
        await this.client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
      } catch (err) {
        // Someone else created it meanwhile: fall through to the checks below.
        if ((err as { name?: string }).name !== 'ResourceInUseException') throw err;
      }
      await this.waitForStream(name, 'active');
      const notes: string[] = [`${shards} shard${shards === 1 ? '' : 's'}`];
      const created = await this.describeStream(name);
      if (created && created.retentionHours !== retentionHours) {
        await this.setRetention(name, created.retentionHours, retentionHours);
      }
      notes.push(`retention ${retentionHours} h`);
      return { stream: name, outcome: 'created', notes };
    }
    if (current.status !== 'ACTIVE') await this.waitForStream(name, 'active');
    const notes: string[] = [];
    let outcome: EnsureStreamResult['outcome'] = 'exists';
    if (current.retentionHours !== retentionHours) {
      await this.setRetention(name, current.retentionHours, retentionHours);
      notes.push(`retention ${current.retentionHours} h → ${retentionHours} h`);
      outcome = 'updated';
    }
    if (current.openShards !== shards) {
      // Resharding changes where keys go and costs money: it is left to the operator.
      notes.push(`has ${current.openShards} open shards, declared ${shards} (not resharded)`);
    }
    return { stream: name, outcome, notes };
  }

  private async setRetention(name: string, from: number, to: number): Promise<void> {
    const Command = to > from ? IncreaseStreamRetentionPeriodCommand : DecreaseStreamRetentionPeriodCommand;
    await this.client.send(new Command({ StreamName: name, RetentionPeriodHours: to }));
    await this.waitForStream(name, 'active');
  }

  async describeStream(name: string): Promise<StreamDescription | null> {
    try {
      const out = await this.client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
      const d = out.StreamDescriptionSummary!;
      return {
        name: d.StreamName ?? name,
        status: d.StreamStatus ?? 'UNKNOWN',
        createdAt: d.StreamCreationTimestamp ?? new Date(0),
        retentionHours: d.RetentionPeriodHours ?? 24,
        openShards: d.OpenShardCount ?? 0,
      };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async listStreams(): Promise<string[]> {
    const names: string[] = [];
    let start: string | undefined;
    for (;;) {
      const out = await this.client.send(new ListStreamsCommand({ Limit: 100, ExclusiveStartStreamName: start }));
      const page = out.StreamNames ?? [];
      names.push(...page);
      if (!out.HasMoreStreams || page.length === 0) return names;
      start = page[page.length - 1];
    }
  }

  async listShards(name: string): Promise<ShardInfo[]> {
    const shards: ShardInfo[] = [];
    let nextToken: string | undefined;
    try {
      do {
        // NextToken and StreamName must not be sent together.
        const out = await this.client.send(
          new ListShardsCommand(nextToken ? { NextToken: nextToken } : { StreamName: name }),
        );
        shards.push(...(out.Shards ?? []).map(toShardInfo));
        nextToken = out.NextToken;
      } while (nextToken);
    } catch (err) {
      if (isNotFound(err)) throw new RuntimeError('WS711', { stream: name });
      throw err;
    }
    return shards;
  }

  async shardIterator(stream: string, shardId: string, position: ShardPosition): Promise<string> {
    const input: GetShardIteratorCommandInput = { StreamName: stream, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' };
    switch (position.kind) {
      case 'trim-horizon':
        break;
      case 'latest':
        input.ShardIteratorType = 'LATEST';
        break;
      case 'at-sequence':
        input.ShardIteratorType = 'AT_SEQUENCE_NUMBER';
        input.StartingSequenceNumber = position.sequenceNumber;
        break;
      case 'after-sequence':
        input.ShardIteratorType = 'AFTER_SEQUENCE_NUMBER';
        input.StartingSequenceNumber = position.sequenceNumber;
        break;
    }
    const out = await this.client.send(new GetShardIteratorCommand(input));
    if (!out.ShardIterator) throw new Error(`Kinesis returned no iterator for ${stream}/${shardId}`);
    return out.ShardIterator;
  }

  async getRecords(iterator: string, limit = 10_000): Promise<RecordsPage> {
    const out = await this.client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }));
    const records: KinesisRecord[] = (out.Records ?? []).map((r) => ({
      sequenceNumber: r.SequenceNumber!,
      partitionKey: r.PartitionKey ?? '',
      data: r.Data ? Buffer.from(r.Data.buffer, r.Data.byteOffset, r.Data.byteLength) : Buffer.alloc(0),
      arrivalTime: r.ApproximateArrivalTimestamp ?? new Date(0),
    }));
    return { records, nextIterator: out.NextShardIterator ?? null, millisBehindLatest: out.MillisBehindLatest ?? 0 };
  }

  async putRecords(stream: string, entries: readonly PutEntry[]): Promise<PutOutcome[]> {
    const out = await this.client.send(
      new PutRecordsCommand({
        StreamName: stream,
        Records: entries.map((e) => ({
          PartitionKey: e.partitionKey,
          Data: e.data,
          ...(e.explicitHashKey ? { ExplicitHashKey: e.explicitHashKey } : {}),
        })),
      }),
    );
    return (out.Records ?? []).map((r) =>
      r.ErrorCode
        ? { ok: false as const, errorCode: r.ErrorCode, errorMessage: r.ErrorMessage ?? '' }
        : { ok: true as const, shardId: r.ShardId!, sequenceNumber: r.SequenceNumber! },
    );
  }

  async deleteStream(name: string): Promise<void> {
    try {
      await this.client.send(new DeleteStreamCommand({ StreamName: name, EnforceConsumerDeletion: true }));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    await this.waitForStream(name, 'absent');
  }

  async waitForStream(name: string, state: 'active' | 'absent', timeoutMs = STREAM_WAIT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let delay = 20;
    for (;;) {
      const d = await this.describeStream(name);
      if (state === 'absent' ? d === null : d?.status === 'ACTIVE') return;
      if (state === 'active' && d === null) throw new RuntimeError('WS711', { stream: name });
      if (Date.now() > deadline) {
        throw new RuntimeError('WS712', { stream: name, seconds: Math.round(timeoutMs / 1000), status: d?.status ?? 'absent' });
      }
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 1000);
    }
  }

  close(): void {
    this.client.destroy();
  }
}

function toShardInfo(s: Shard): ShardInfo {
  return {
    shardId: s.ShardId!,
    parentShardId: s.ParentShardId ?? null,
    adjacentParentShardId: s.AdjacentParentShardId ?? null,
    hashKeyRange: { start: s.HashKeyRange?.StartingHashKey ?? '0', end: s.HashKeyRange?.EndingHashKey ?? '0' },
    sequenceRange: {
      start: s.SequenceNumberRange?.StartingSequenceNumber ?? '0',
      end: s.SequenceNumberRange?.EndingSequenceNumber ?? null,
    },
  };
}
