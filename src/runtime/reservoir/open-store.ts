// Opens the store of a reservoir location: a local folder, or an S3 bucket and prefix. Each
// location has its own store, so reservoirs may live in several buckets.

import type { S3Client } from '@aws-sdk/client-s3';
import path from 'node:path';
import type { Location } from '../../compiler/model.ts';
import { createS3Client } from '../aws/s3-client.ts';
import { FsReservoirStore } from './fs-store.ts';
import { S3ReservoirStore } from './s3-store.ts';
import type { ReservoirStore } from './store.ts';

export interface StoreDeps {
  /** The S3 client for s3:// locations (default: one from the SDK's standard chain, made on first use). */
  readonly s3?: () => S3Client;
}

/** One client per endpoint configuration, shared by the stores of every bucket it reaches. */
const sharedS3 = new Map<string, S3Client>();
function defaultS3(): S3Client {
  const env = process.env;
  const key = [env.AWS_ENDPOINT_URL_S3, env.AWS_ENDPOINT_URL, env.AWS_REGION, env.AWS_PROFILE].join('|');
  let client = sharedS3.get(key);
  if (!client) sharedS3.set(key, (client = createS3Client()));
  return client;
}

export function openReservoirStore(_reservoir: string, location: Location, cwd: string = process.cwd(), deps: StoreDeps = {}): ReservoirStore {
  switch (location.kind) {
    case 'local':
      return new FsReservoirStore(path.resolve(cwd, location.path));
    case 's3':
      return new S3ReservoirStore((deps.s3 ?? defaultS3)(), { bucket: location.bucket, prefix: location.prefix });
  }
}
