// Streams on AWS Kinesis, Terraform-provider style: read a declared stream's state, then create it
// when absent, reshard it with UpdateShardCount (uniform scaling) when its open shard count
// differs, and set its retention either way, waiting for ACTIVE between changes. Streams this
// pipeline created carry a tag, so one it no longer declares is found, reported and kept
// (deleted only when asked).

import {
  AddTagsToStreamCommand,
  ListTagsForStreamCommand,
  UpdateShardCountCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import type { StreamStep } from '../../compiler/plan/types.ts';
import { AwsStreamService } from '../kinesis/aws-stream-service.ts';
import { errorName, isNotFound } from '../kinesis/stream-service.ts';
import { RuntimeError } from '../runtime-error.ts';

/**
 * The tag naming the pipeline file that created a stream (its base name). Kinesis allows only
 * letters, digits, spaces and `_ . / = + - % @` in tag keys, so not EMR's `wshed:pipeline`.
 */
export const PIPELINE_TAG = 'wshed/pipeline';

export interface StreamChange {
  readonly stream: string;
  readonly outcome: 'created' | 'updated' | 'exists';
  /** What was done, in words: `shards 2 → 4`, `retention 24 h → 48 h`. */
  readonly notes: readonly string[];
}

/** The shard counts UpdateShardCount passes through: each call may at most double or halve. */
export function reshardPath(from: number, to: number): number[] {
  const path: number[] = [];
  let at = from;
  while (at !== to) {
    at = to > at ? Math.min(to, at * 2) : Math.max(to, Math.ceil(at / 2));
    path.push(at);
  }
  return path;
}

export class AwsStreams {
  private readonly service: AwsStreamService;

  constructor(
    private readonly client: KinesisClient,
    private readonly waitMs = 5 * 60_000,
  ) {
    this.service = new AwsStreamService(client);
  }

  /** Brings one declared stream to its shards and retention; `pipeline` tags a stream it creates. */
  async apply(step: StreamStep, pipeline: string): Promise<StreamChange> {
    let current = await this.service.describeStream(step.name);
    if (current?.status === 'DELETING') {
      await this.service.waitForStream(step.name, 'absent', this.waitMs);
      current = null;
    }
    if (!current) {
      // ensureStream creates, waits for ACTIVE and sets the retention.
      await this.service.ensureStream(step.name, step.shards, step.retentionHours);
      await this.tag(step.name, pipeline);
      return { stream: step.name, outcome: 'created', notes: [`${step.shards} shard${step.shards === 1 ? '' : 's'}`, `retention ${step.retentionHours} h`] };
    }
    if (current.status !== 'ACTIVE') await this.service.waitForStream(step.name, 'active', this.waitMs);
    const notes: string[] = [];
    if (current.openShards !== step.shards) {
      for (const target of reshardPath(current.openShards, step.shards)) await this.reshard(step.name, current.openShards, target);
      notes.push(`shards ${current.openShards} → ${step.shards}`);
    }
    if (current.retentionHours !== step.retentionHours) {
      await this.service.ensureStream(step.name, step.shards, step.retentionHours);
      notes.push(`retention ${current.retentionHours} h → ${step.retentionHours} h`);
    }
    return { stream: step.name, outcome: notes.length > 0 ? 'updated' : 'exists', notes };
  }

  private async reshard(stream: string, from: number, to: number): Promise<void> {
    try {
      await this.client.send(new UpdateShardCountCommand({ StreamName: stream, TargetShardCount: to, ScalingType: 'UNIFORM_SCALING' }));
    } catch (err) {
      const name = errorName(err);
      if (name === 'LimitExceededException' || name === 'InvalidArgumentException' || name === 'ValidationException') {
        throw new RuntimeError('WS811', { stream, from, to, why: (err as Error).message }, { cause: err });
      }
      throw err;
    }
    await this.service.waitForStream(stream, 'active', this.waitMs);
  }

  private async tag(stream: string, pipeline: string): Promise<void> {
    await this.client.send(new AddTagsToStreamCommand({ StreamName: stream, Tags: { [PIPELINE_TAG]: pipeline } }));
  }

  /** Streams tagged as this pipeline's that `declared` does not name. */
  async undeclared(pipeline: string, declared: ReadonlySet<string>): Promise<string[]> {
    const out: string[] = [];
    for (const name of await this.service.listStreams()) {
      if (declared.has(name)) continue;
      try {
        const tags = await this.client.send(new ListTagsForStreamCommand({ StreamName: name }));
        if ((tags.Tags ?? []).some((t) => t.Key === PIPELINE_TAG && t.Value === pipeline)) out.push(name);
      } catch (err) {
        if (!isNotFound(err)) throw err; // deleted meanwhile
      }
    }
    return out;
  }

  describe(name: string) {
    return this.service.describeStream(name);
  }

  delete(name: string): Promise<void> {
    return this.service.deleteStream(name);
  }
}
