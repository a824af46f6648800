// The one place an S3Client is built: region, credentials and endpoint from the SDK's standard
// chain (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_S3), on the plain HTTP/1.1
// handler with a hard request timeout, as the Kinesis client (a hung call must fail, not hang).

import { CreateBucketCommand, HeadBucketCommand, S3Client, type BucketLocationConstraint } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Agent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';

export interface S3ClientOptions {
  /** Overrides the chain's region (AWS_REGION, the profile's region). */
  readonly region?: string;
  /** Attempts per call, the SDK's own retries included (default 4). */
  readonly maxAttempts?: number;
  /** Environment to read the endpoint override from (default: the process's). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export const S3_REQUEST_TIMEOUT_MS = 30_000;

/**
 * The SDK warns on the console whenever an upload from a stream fails ("non-retryable streaming
 * request"), though the store retries and reports such failures itself: that line is dropped.
 */
const QUIET_LOGGER = {
  debug: () => {},
  info: () => {},
  warn: (...args: unknown[]) => {
    if (!String(args[0]).includes('non-retryable streaming request')) console.warn(...args);
  },
  // Failed calls reach the caller as errors; the SDK would also print each one here.
  error: () => {},
};

export function createS3Client(options: S3ClientOptions = {}): S3Client {
  // Versions are pinned; the SDK's notice about future Node 22 requirements is noise for users.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const env = options.env ?? process.env;
  // An endpoint override (an emulator, MinIO, a VPC endpoint by address) rarely resolves
  // bucket subdomains: path-style addressing works on all of them, and AWS still accepts it.
  const customEndpoint = Boolean(env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL);
  const agent = { keepAlive: true, maxSockets: 64 };
  return new S3Client({
    ...(options.region ? { region: options.region } : {}),
    forcePathStyle: customEndpoint,
    // Without these the SDK frames uploads as aws-chunked with trailing checksums, which
    // emulators store verbatim inside the object; plain bodies work everywhere.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: options.maxAttempts ?? 4,
    logger: QUIET_LOGGER,
    requestHandler: new NodeHttpHandler({
      requestTimeout: S3_REQUEST_TIMEOUT_MS,
      connectionTimeout: 5_000,
      throwOnRequestTimeout: true,
      httpAgent: new Agent(agent),
      httpsAgent: new HttpsAgent(agent),
    }),
  });
}

/** The S3 error name or HTTP status of an SDK error (null for anything else). */
export function s3ErrorOf(err: unknown): { readonly name: string; readonly status: number | undefined } | null {
  if (!err || typeof err !== 'object' || !('$metadata' in err)) return null;
  const e = err as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  return { name: e.Code ?? e.name ?? 'Error', status: e.$metadata?.httpStatusCode };
}

/** Creates the bucket in `region` when it is absent; true when it was created, false when it was there. */
export async function ensureBucket(s3: S3Client, bucket: string, region: string): Promise<boolean> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return false;
  } catch (err) {
    const e = s3ErrorOf(err);
    if (!e || (e.status !== 404 && e.name !== 'NotFound' && e.name !== 'NoSuchBucket')) throw err;
  }
  // us-east-1 is the one region that takes no location constraint.
  await s3.send(new CreateBucketCommand({ Bucket: bucket, ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }) }));
  return true;
}
