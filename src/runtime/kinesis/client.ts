// The one place a KinesisClient is built: the plain HTTP/1.1 handler with a hard request timeout
// (the SDK's default handler fails against local servers, and a hung call must fail, not hang).

import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';

export interface KinesisEndpoint {
  /** e.g. http://127.0.0.1:4567 for the local service; omit for AWS. */
  readonly url?: string;
  readonly region: string;
  /** Fixed credentials (the local service accepts any); omit to use the default AWS chain. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

export const REQUEST_TIMEOUT_MS = 10_000;

/** The endpoint of a local Kinesis service listening on 127.0.0.1:port. */
export function localKinesisEndpoint(port: number): KinesisEndpoint {
  return {
    url: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  };
}

export interface ClientOptions {
  /**
   * Attempts per call, the SDK's own retries included (default 4). A replay's destination uses 1:
   * the replay retries by itself, and only then does it see, and count, every attempt.
   */
  readonly maxAttempts?: number;
}

export function createKinesisClient(endpoint: KinesisEndpoint, options: ClientOptions = {}): KinesisClient {
  // Versions are pinned; the SDK's notice about future Node 22 requirements is noise for users.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return new KinesisClient({
    region: endpoint.region,
    ...(endpoint.url ? { endpoint: endpoint.url } : {}),
    ...(endpoint.credentials ? { credentials: endpoint.credentials } : {}),
    maxAttempts: options.maxAttempts ?? 4,
    requestHandler: new NodeHttpHandler({
      requestTimeout: REQUEST_TIMEOUT_MS,
      connectionTimeout: 5_000,
      throwOnRequestTimeout: true,
    }),
  });
}
