// The aws target's live state, read only: each declared stream's open shards, retention and tags
// (Kinesis), whether each reservoir's bucket exists (S3), and each Firehose delivery stream with
// its roles and Lambda as a dry run of their provisioning compares them (buffering, prefix, role,
// a changed source). Nothing is created or changed; the diff is the compiler's (changes.ts).

import { HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { ListTagsForStreamCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import type { FirehosePart, LiveResource, LiveState } from '../../compiler/plan/changes.ts';
import type { FirehoseStep, Plan } from '../../compiler/plan/types.ts';
import type { AwsStreams } from '../aws/kinesis-streams.ts';
import { s3ErrorOf } from '../aws/s3-client.ts';
import { isRuntimeError } from '../runtime-error.ts';
import type { LiveStateReader } from './reader.ts';

/** A dry run of one Firehose step's provisioning: what it would create, update or leave. */
export type FirehosePreview = (step: FirehoseStep) => Promise<readonly FirehosePart[]>;

export interface AwsLiveStateDeps {
  readonly streams: () => AwsStreams;
  readonly kinesis: () => KinesisClient;
  readonly s3: (region: string) => S3Client;
  /** Absent: Firehose steps are not read (they stay "create when absent"). */
  readonly firehose?: FirehosePreview;
}

export function awsLiveStateReader(deps: AwsLiveStateDeps): LiveStateReader {
  return {
    async read(plan: Plan): Promise<LiveState> {
      const resources: Record<string, LiveResource> = {};
      const unknown: string[] = [];
      for (const step of plan.steps) {
        switch (step.kind) {
          case 'stream': {
            const found = await deps.streams().describe(step.name);
            resources[step.id] = found
              ? { kind: 'stream', exists: true, openShards: found.openShards, retentionHours: found.retentionHours, tags: await streamTags(deps.kinesis(), step.name) }
              : { kind: 'stream', exists: false };
            break;
          }
          case 's3-location':
            resources[step.id] = { kind: 's3-location', exists: await bucketExists(deps.s3(step.region), step.bucket) };
            break;
          case 'firehose-delivery-stream': {
            if (!deps.firehose) break;
            try {
              resources[step.id] = firehoseResource(await deps.firehose(step));
            } catch (err) {
              // A coded refusal is about this step only (WS801: its source changed; WS800: no Lambda build).
              if (!isRuntimeError(err)) throw err;
              if (err.code === 'WS801') resources[step.id] = { kind: 'firehose-delivery-stream', exists: true, parts: [], replace: { live: String(err.args.live), desired: String(err.args.desired) } };
              else unknown.push(`${step.id} could not be read (${err.code}: ${err.message})`);
            }
            break;
          }
          default:
            break;
        }
      }
      return { source: 'AWS (Kinesis, S3, Firehose)', resources, ...(unknown.length > 0 ? { unknown: unknown.join('; ') } : {}) };
    },
  };
}

function firehoseResource(parts: readonly FirehosePart[]): LiveResource {
  const delivery = parts.find((p) => p.resource === 'delivery-stream');
  return {
    kind: 'firehose-delivery-stream',
    exists: delivery !== undefined && delivery.action !== 'create',
    parts: parts.map((p) => ({ resource: p.resource, name: p.name, action: p.action, details: [...p.details] })),
    replace: null,
  };
}

async function streamTags(kinesis: KinesisClient, stream: string): Promise<Record<string, string>> {
  const out = await kinesis.send(new ListTagsForStreamCommand({ StreamName: stream }));
  return Object.fromEntries((out.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
}

async function bucketExists(s3: S3Client, bucket: string): Promise<boolean> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return true;
  } catch (err) {
    const e = s3ErrorOf(err);
    if (e && (e.status === 404 || e.name === 'NotFound' || e.name === 'NoSuchBucket')) return false;
    throw err;
  }
}
