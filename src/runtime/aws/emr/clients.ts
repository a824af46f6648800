// The SDK clients the cluster's lifecycle talks to (EMR, S3 for its resources, IAM for its
// roles), built from the SDK's standard chain with the plain HTTP/1.1 handler and a hard timeout,
// as every other AWS client here: tests reach moto through AWS_ENDPOINT_URL alone.

import { EMRClient } from '@aws-sdk/client-emr';
import { IAMClient } from '@aws-sdk/client-iam';
import type { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { createS3Client } from '../s3-client.ts';

export interface EmrClients {
  readonly emr: EMRClient;
  readonly s3: S3Client;
  readonly iam: IAMClient;
}

export function createEmrClients(options: { region?: string } = {}): EmrClients {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const common = () => ({
    ...(options.region ? { region: options.region } : {}),
    maxAttempts: 4,
    requestHandler: new NodeHttpHandler({ requestTimeout: 30_000, connectionTimeout: 5_000, throwOnRequestTimeout: true }),
  });
  return { emr: new EMRClient(common()), iam: new IAMClient(common()), s3: createS3Client(options) };
}

export function closeEmrClients(c: EmrClients): void {
  c.emr.destroy();
  c.iam.destroy();
  c.s3.destroy();
}
