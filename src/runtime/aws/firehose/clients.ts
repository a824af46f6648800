// The SDK clients Firehose provisioning talks to, built from the SDK's standard chain (region,
// credentials, AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>) on the plain HTTP/1.1 handler with
// a hard request timeout, as the Kinesis and S3 clients are: a hung call fails instead of hanging.

import { FirehoseClient } from '@aws-sdk/client-firehose';
import { GlueClient } from '@aws-sdk/client-glue';
import { IAMClient } from '@aws-sdk/client-iam';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { NodeHttpHandler } from '@smithy/node-http-handler';

export interface FirehoseClients {
  readonly firehose: FirehoseClient;
  readonly iam: IAMClient;
  readonly lambda: LambdaClient;
  readonly glue: GlueClient;
}

export function createFirehoseClients(options: { region?: string } = {}): FirehoseClients {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const common = () => ({
    ...(options.region ? { region: options.region } : {}),
    maxAttempts: 4,
    requestHandler: new NodeHttpHandler({ requestTimeout: 30_000, connectionTimeout: 5_000, throwOnRequestTimeout: true }),
  });
  return {
    firehose: new FirehoseClient(common()),
    iam: new IAMClient(common()),
    lambda: new LambdaClient(common()),
    glue: new GlueClient(common()),
  };
}

export function closeFirehoseClients(c: FirehoseClients): void {
  c.firehose.destroy();
  c.iam.destroy();
  c.lambda.destroy();
  c.glue.destroy();
}

export function errorName(err: unknown): string {
  return (err as { name?: string } | null)?.name ?? '';
}
