// The delivery stream itself: its desired configuration (pure, from the plan step and the ARNs),
// the live one (DescribeDeliveryStream), the difference between them (pure), and the calls that
// apply it: CreateDeliveryStream when absent, UpdateDestination when the destination differs.

import {
  CreateDeliveryStreamCommand,
  DescribeDeliveryStreamCommand,
  UpdateDestinationCommand,
  type CreateDeliveryStreamCommandInput,
  type DeliveryStreamDescription,
  type ExtendedS3DestinationConfiguration,
  type ExtendedS3DestinationDescription,
  type FirehoseClient,
} from '@aws-sdk/client-firehose';
import type { FirehoseStep } from '../../../compiler/plan/types.ts';
import { RuntimeError } from '../../runtime-error.ts';
import { canonical, differences } from './changes.ts';
import { errorName } from './clients.ts';
import type { Pause } from './role-propagation.ts';

export interface DeliveryArns {
  readonly streamArn: string;
  readonly bucketArn: string;
  readonly roleArn: string;
  readonly functionArn: string;
}

const MIB = 1024 * 1024;

/**
 * How much Firehose hands the Lambda per invocation. A Lambda's response is capped at 6 MB, and
 * each line adds the record layout's ~230 bytes of metadata before base64 (4/3): 1 MB of input
 * stays under the cap for records of ~100 bytes and more (3 MB would need ~1 KB records).
 */
const PROCESSOR_BUFFER = { sizeMb: '1', seconds: '60' };

export function destinationConfiguration(step: FirehoseStep, arns: DeliveryArns): ExtendedS3DestinationConfiguration {
  return {
    RoleARN: arns.roleArn,
    BucketARN: arns.bucketArn,
    Prefix: step.prefix,
    ErrorOutputPrefix: step.errorPrefix,
    BufferingHints: { SizeInMBs: Math.round(step.bufferBytes / MIB), IntervalInSeconds: step.bufferSeconds },
    CompressionFormat: step.compression,
    FileExtension: step.fileExtension,
    S3BackupMode: 'Disabled',
    ProcessingConfiguration: {
      Enabled: true,
      Processors: [
        {
          Type: 'Lambda',
          Parameters: [
            { ParameterName: 'LambdaArn', ParameterValue: arns.functionArn },
            { ParameterName: 'BufferSizeInMBs', ParameterValue: PROCESSOR_BUFFER.sizeMb },
            { ParameterName: 'BufferIntervalInSeconds', ParameterValue: PROCESSOR_BUFFER.seconds },
          ],
        },
      ],
    },
    DynamicPartitioningConfiguration: { Enabled: true, RetryOptions: { DurationInSeconds: 300 } },
    DataFormatConversionConfiguration: step.formatConversion
      ? {
          Enabled: true,
          InputFormatConfiguration: { Deserializer: { OpenXJsonSerDe: {} } },
          OutputFormatConfiguration: { Serializer: { ParquetSerDe: { Compression: step.formatConversion.compression } } },
          SchemaConfiguration: {
            DatabaseName: step.formatConversion.glueDatabase,
            TableName: step.formatConversion.glueTable,
            Region: step.region,
            RoleARN: arns.roleArn,
            VersionId: 'LATEST',
          },
        }
      : undefined,
  };
}

export function createRequest(step: FirehoseStep, arns: DeliveryArns): CreateDeliveryStreamCommandInput {
  return {
    DeliveryStreamName: step.name,
    DeliveryStreamType: 'KinesisStreamAsSource',
    KinesisStreamSourceConfiguration: { KinesisStreamARN: arns.streamArn, RoleARN: arns.roleArn },
    ExtendedS3DestinationConfiguration: destinationConfiguration(step, arns),
    Tags: [
      { Key: 'wshed:reservoir', Value: step.reservoir },
      { Key: 'wshed:managed', Value: 'true' },
    ],
  };
}

export async function readDeliveryStream(firehose: FirehoseClient, name: string): Promise<DeliveryStreamDescription | null> {
  try {
    return (await firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: name }))).DeliveryStreamDescription ?? null;
  } catch (err) {
    if (errorName(err) === 'ResourceNotFoundException') return null;
    throw err;
  }
}

/** The settings compared, as the live description and the desired configuration each state them. */
function comparable(d: ExtendedS3DestinationDescription | ExtendedS3DestinationConfiguration | undefined): Record<string, unknown> {
  const processors = d?.ProcessingConfiguration?.Enabled
    ? d.ProcessingConfiguration.Processors?.map((p) => ({
        Type: p.Type,
        Parameters: Object.fromEntries((p.Parameters ?? []).map((x) => [x.ParameterName, x.ParameterValue])),
      }))
    : undefined;
  const conversion = d?.DataFormatConversionConfiguration?.Enabled ? d.DataFormatConversionConfiguration : undefined;
  return {
    role: d?.RoleARN,
    bucket: d?.BucketARN,
    prefix: d?.Prefix,
    'error prefix': d?.ErrorOutputPrefix,
    buffering: d?.BufferingHints ? `${d.BufferingHints.SizeInMBs}MB ${d.BufferingHints.IntervalInSeconds}s` : undefined,
    compression: d?.CompressionFormat,
    'file extension': d?.FileExtension,
    processing: processors,
    'dynamic partitioning': d?.DynamicPartitioningConfiguration?.Enabled === true,
    'format conversion': conversion
      ? {
          serializer: conversion.OutputFormatConfiguration?.Serializer,
          schema: { ...conversion.SchemaConfiguration, CatalogId: undefined },
        }
      : undefined,
  };
}

export type DeliveryDiff =
  | { readonly kind: 'absent' }
  | { readonly kind: 'same'; readonly versionId: string; readonly destinationId: string }
  | { readonly kind: 'update'; readonly details: readonly string[]; readonly versionId: string; readonly destinationId: string }
  /** Firehose cannot change a delivery stream's type or source in place. */
  | { readonly kind: 'replace'; readonly live: string; readonly desired: string };

/** Pure: what it takes to make the live delivery stream the desired one. */
export function diffDeliveryStream(live: DeliveryStreamDescription | null, desired: CreateDeliveryStreamCommandInput): DeliveryDiff {
  if (!live) return { kind: 'absent' };
  const source = live.Source?.KinesisStreamSourceDescription;
  const liveSource = `${live.DeliveryStreamType} ${source?.KinesisStreamARN ?? '(no stream)'}`;
  const desiredSource = `${desired.DeliveryStreamType} ${desired.KinesisStreamSourceConfiguration!.KinesisStreamARN}`;
  if (liveSource !== desiredSource) return { kind: 'replace', live: liveSource, desired: desiredSource };
  const destination = live.Destinations?.[0];
  const details = differences(comparable(destination?.ExtendedS3DestinationDescription), comparable(desired.ExtendedS3DestinationConfiguration));
  if (canonical(source?.RoleARN) !== canonical(desired.KinesisStreamSourceConfiguration!.RoleARN)) details.push(`source role: ${source?.RoleARN ?? '(none)'} → ${desired.KinesisStreamSourceConfiguration!.RoleARN}`);
  const ids = { versionId: live.VersionId ?? '1', destinationId: destination?.DestinationId ?? 'destinationId-000000000001' };
  return details.length === 0 ? { kind: 'same', ...ids } : { kind: 'update', details, ...ids };
}

export async function applyDeliveryStream(
  firehose: FirehoseClient,
  diff: DeliveryDiff,
  desired: CreateDeliveryStreamCommandInput,
  retry: <T>(call: () => Promise<T>) => Promise<T>,
): Promise<void> {
  const name = desired.DeliveryStreamName!;
  if (diff.kind === 'replace') throw new RuntimeError('WS801', { name, live: diff.live, desired: diff.desired });
  if (diff.kind === 'absent') await retry(() => firehose.send(new CreateDeliveryStreamCommand(desired)));
  if (diff.kind === 'update') {
    await retry(() =>
      firehose.send(
        new UpdateDestinationCommand({
          DeliveryStreamName: name,
          CurrentDeliveryStreamVersionId: diff.versionId,
          DestinationId: diff.destinationId,
          ExtendedS3DestinationUpdate: desired.ExtendedS3DestinationConfiguration,
        }),
      ),
    );
  }
}

/** Waits until the delivery stream is ACTIVE (a new one is CREATING for a minute or so on AWS). */
export async function waitForActive(firehose: FirehoseClient, name: string, pause: Pause, timeoutSeconds = 300): Promise<void> {
  let waited = 0;
  for (;;) {
    const live = await readDeliveryStream(firehose, name);
    const status = live?.DeliveryStreamStatus ?? 'absent';
    if (status === 'ACTIVE') return;
    if (status !== 'CREATING' || waited >= timeoutSeconds) throw new RuntimeError('WS803', { name, status, seconds: waited });
    await pause(5000);
    waited += 5;
  }
}
