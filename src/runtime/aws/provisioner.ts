// The aws target's provider: reads what exists (live-state/aws.ts) and applies the provisioning
// steps watershed runs on AWS today: streams (create, reshard, retention), the reservoirs'
// buckets, Firehose delivery streams through the Firehose provisioning it is handed, and the
// cluster's steps (EMR, tunnel, Drill plugins, Hive tables, terminate) through the cluster's.

import type { S3Client } from '@aws-sdk/client-s3';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { FirehoseStep, PlanStep, S3LocationStep } from '../../compiler/plan/types.ts';
import { awsLiveStateReader, type FirehosePreview } from '../live-state/aws.ts';
import { RuntimeError } from '../runtime-error.ts';
import type { Provisioner, StepOutcome, UndeclaredResource } from '../target/target-runtime.ts';
import { CLUSTER_STEP_KINDS, type ClusterProvisioning } from './emr/step-provisioning.ts';
import { AwsStreams } from './kinesis-streams.ts';
import { ensureBucket } from './s3-client.ts';

/** Applies one Firehose delivery-stream step, with its roles and Lambda (aws/firehose/step-provisioning.ts). */
export type FirehoseProvisioning = ((step: FirehoseStep) => Promise<StepOutcome>) & { close?(): void; preview?: FirehosePreview };

export interface AwsProvisionerDeps {
  readonly kinesis: () => KinesisClient;
  readonly s3: (region: string) => S3Client;
  /** Where Firehose delivery streams are made; without it those steps are refused (WS810). */
  readonly firehose?: FirehoseProvisioning;
  /** The cluster's steps (EMR, tunnel, Drill plugins, Hive tables, terminate); without it they are refused (WS810). */
  readonly cluster?: ClusterProvisioning;
  /** Environment the SDK's chain reads (default: the process's). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Whether the SDK's chain has something to go on: credentials, a profile, an endpoint, or the
 * shared credentials or config file (`aws configure` writes them). An instance role alone is not
 * guessed at: probing the metadata service would make every offline machine wait.
 */
export function awsConfigured(env: Readonly<Record<string, string | undefined>>): boolean {
  if (env.AWS_ACCESS_KEY_ID || env.AWS_PROFILE || env.AWS_ENDPOINT_URL || env.AWS_ENDPOINT_URL_KINESIS || env.AWS_WEB_IDENTITY_TOKEN_FILE || env.AWS_CONTAINER_CREDENTIALS_FULL_URI || env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI) return true;
  const home = env.HOME ?? env.USERPROFILE;
  const files = [env.AWS_SHARED_CREDENTIALS_FILE ?? (home ? path.join(home, '.aws', 'credentials') : null), env.AWS_CONFIG_FILE ?? (home ? path.join(home, '.aws', 'config') : null)];
  return files.some((f) => f !== null && existsSync(f));
}

const AWS_KINDS: ReadonlySet<PlanStep['kind']> = new Set(['stream', 's3-location', 'firehose-delivery-stream']);

/** The tag value for a plan's pipeline: its file's base name, however the path was written. */
export function pipelineTag(pipeline: string): string {
  return path.basename(pipeline);
}

export function awsProvisioner(deps: AwsProvisionerDeps): Provisioner {
  let streams: AwsStreams | null = null;
  let kinesis: KinesisClient | null = null;
  const s3Clients = new Map<string, S3Client>();
  // Reservoirs share buckets: each bucket is checked (and created) once per provisioner.
  const buckets = new Map<string, Promise<StepOutcome>>();
  const kinesisClient = () => (kinesis ??= deps.kinesis());
  const awsStreams = () => (streams ??= new AwsStreams(kinesisClient()));
  const s3 = (region: string) => {
    let c = s3Clients.get(region);
    if (!c) s3Clients.set(region, (c = deps.s3(region)));
    return c;
  };
  return {
    read: (plan) =>
      awsLiveStateReader({
        streams: awsStreams,
        kinesis: kinesisClient,
        s3,
        ...(deps.firehose?.preview ? { firehose: deps.firehose.preview } : {}),
      }).read(plan),
    readable: () => awsConfigured(deps.env ?? process.env),
    handles: (kind) => AWS_KINDS.has(kind) || (deps.cluster !== undefined && CLUSTER_STEP_KINDS.has(kind)),
    async apply(step, plan): Promise<StepOutcome> {
      switch (step.kind) {
        case 'stream': {
          const r = await awsStreams().apply(step, pipelineTag(plan.pipeline));
          return { outcome: r.outcome, text: [r.outcome, ...r.notes].join('; '), data: { outcome: r.outcome, notes: r.notes } };
        }
        case 's3-location': {
          const earlier = buckets.get(step.bucket);
          if (earlier) {
            const first = await earlier;
            const data = { bucket: step.bucket, prefix: step.prefix, created: false, checkedWith: first.data?.prefix };
            return { outcome: 'exists', text: `exists: s3://${step.bucket}/${step.prefix} (bucket ${first.outcome === 'created' ? 'created' : 'checked'} above)`, data };
          }
          const outcome = provisionBucket(s3(step.region), step);
          buckets.set(step.bucket, outcome);
          outcome.catch(() => buckets.delete(step.bucket));
          return outcome;
        }
        case 'firehose-delivery-stream':
          if (!deps.firehose) throw new RuntimeError('WS810', { target: 'aws', what: 'Firehose delivery streams', steps: step.id, file: 'FILE' });
          return deps.firehose(step);
        default:
          if (deps.cluster && CLUSTER_STEP_KINDS.has(step.kind)) return deps.cluster.apply(step, { pipeline: plan.pipeline, steps: plan.steps ?? [] });
          throw new RuntimeError('WS810', { target: 'aws', what: `${step.kind} steps`, steps: step.id, file: 'FILE' });
      }
    },
    afterFailure: async (plan) => (deps.cluster ? deps.cluster.afterFailure(plan) : null),
    async undeclared(plan, options): Promise<UndeclaredResource[]> {
      const declared = new Set(plan.steps.flatMap((s) => (s.kind === 'stream' ? [s.name] : [])));
      const out: UndeclaredResource[] = [];
      for (const name of await awsStreams().undeclared(pipelineTag(plan.pipeline), declared)) {
        if (options.remove) await awsStreams().delete(name);
        out.push({ kind: 'stream', name, outcome: options.remove ? 'deleted' : 'kept' });
      }
      return out;
    },
    async close() {
      await deps.cluster?.close();
      deps.firehose?.close?.();
      kinesis?.destroy();
      for (const c of s3Clients.values()) c.destroy();
      kinesis = null;
      streams = null;
      s3Clients.clear();
      buckets.clear();
    },
  };
}

/** The reservoir's bucket: created when absent (in the step's region), else left as it is. */
async function provisionBucket(s3: S3Client, step: S3LocationStep): Promise<StepOutcome> {
  const data = { bucket: step.bucket, prefix: step.prefix };
  return (await ensureBucket(s3, step.bucket, step.region))
    ? { outcome: 'created', text: `created bucket ${step.bucket} (${step.region}) for s3://${step.bucket}/${step.prefix}`, data: { ...data, created: true } }
    : { outcome: 'exists', text: `exists: s3://${step.bucket}/${step.prefix}`, data: { ...data, created: false } };
}
