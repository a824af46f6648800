// The least-privilege policies of the roles watershed creates for a Firehose reservoir: the
// delivery role (read the one stream, write under the one prefix, invoke the one function, read
// the one Glue table for Parquet) and the Lambda's execution role (its own log group). Pure data;
// every resource is one named thing, never `*` (docs/firehose-roles.md shows them).

import type { FirehoseStep } from '../../../compiler/plan/types.ts';
import { folder } from '../../../compiler/plan/s3-layout.ts';

/** Partition, region and account the ARNs are built in. */
export interface ArnContext {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
}

export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: 'Allow';
  readonly Action: readonly string[];
  readonly Resource: readonly string[];
}

export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly PolicyStatement[];
}

export interface TrustPolicy {
  readonly Version: '2012-10-17';
  readonly Statement: readonly {
    readonly Effect: 'Allow';
    readonly Principal: { readonly Service: string };
    readonly Action: 'sts:AssumeRole';
    readonly Condition?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  }[];
}

/** The name of the inline policy each created role carries. */
export const INLINE_POLICY_NAME = 'wshed-least-privilege';

export function streamArn(c: ArnContext, stream: string): string {
  return `arn:${c.partition}:kinesis:${c.region}:${c.account}:stream/${stream}`;
}

export function functionArn(c: ArnContext, name: string): string {
  return `arn:${c.partition}:lambda:${c.region}:${c.account}:function:${name}`;
}

export function bucketArn(c: ArnContext, bucket: string): string {
  return `arn:${c.partition}:s3:::${bucket}`;
}

/** `arn:aws:iam::123456789012:role/x` → its partition and account. */
export function arnContextOf(roleArn: string, region: string): ArnContext {
  const m = /^arn:([a-z-]+):iam::(\d{12}):role\//.exec(roleArn);
  if (!m) throw new Error(`not an IAM role ARN: ${roleArn}`);
  return { partition: m[1], region, account: m[2] };
}

export function firehoseTrustPolicy(account: string): TrustPolicy {
  return {
    Version: '2012-10-17',
    Statement: [
      // Only Firehose acting for this account may take the role (the confused-deputy guard).
      { Effect: 'Allow', Principal: { Service: 'firehose.amazonaws.com' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': account } } },
    ],
  };
}

export function lambdaTrustPolicy(): TrustPolicy {
  return { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
}

/** What the delivery stream may do: exactly its source, its prefix, its function, its table. */
export function deliveryPolicy(c: ArnContext, step: FirehoseStep): PolicyDocument {
  const statements: PolicyStatement[] = [
    {
      Sid: 'ReadTheSourceStream',
      Effect: 'Allow',
      Action: ['kinesis:DescribeStream', 'kinesis:DescribeStreamSummary', 'kinesis:GetShardIterator', 'kinesis:GetRecords', 'kinesis:ListShards'],
      Resource: [streamArn(c, step.sourceStream)],
    },
    {
      Sid: 'ListTheBucket',
      Effect: 'Allow',
      Action: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
      Resource: [bucketArn(c, step.bucket)],
    },
    {
      Sid: 'WriteUnderTheReservoirPrefix',
      Effect: 'Allow',
      Action: ['s3:PutObject', 's3:AbortMultipartUpload'],
      Resource: [`${bucketArn(c, step.bucket)}/${folder(step.reservoirPrefix)}*`],
    },
    {
      Sid: 'InvokeTheTransformation',
      Effect: 'Allow',
      Action: ['lambda:InvokeFunction', 'lambda:GetFunctionConfiguration'],
      Resource: [functionArn(c, step.transform.functionName)],
    },
  ];
  if (step.formatConversion) {
    const { glueDatabase, glueTable } = step.formatConversion;
    const glue = `arn:${c.partition}:glue:${c.region}:${c.account}`;
    statements.push({
      Sid: 'ReadTheRecordLayoutTable',
      Effect: 'Allow',
      Action: ['glue:GetTable', 'glue:GetTableVersion', 'glue:GetTableVersions'],
      Resource: [`${glue}:catalog`, `${glue}:database/${glueDatabase}`, `${glue}:table/${glueDatabase}/${glueTable}`],
    });
  }
  return { Version: '2012-10-17', Statement: statements };
}

/** What the transformation Lambda may do: write its own logs, nothing else. */
export function transformPolicy(c: ArnContext, step: FirehoseStep): PolicyDocument {
  const group = `arn:${c.partition}:logs:${c.region}:${c.account}:log-group:/aws/lambda/${step.transform.functionName}`;
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'CreateItsLogGroup', Effect: 'Allow', Action: ['logs:CreateLogGroup'], Resource: [group] },
      { Sid: 'WriteItsLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: [`${group}:log-stream:*`] },
    ],
  };
}
