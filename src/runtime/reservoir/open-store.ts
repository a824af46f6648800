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

let sharedS3: S3Client | null = null;
const defaultS3 = (): S3Client => (sharedS3 ??= createS3Client());

export function openReservoirStore(_reservoir: string, location: Location, cwd: string = process.cwd(), deps: StoreDeps = {}): ReservoirStore {
  switch (location.kind) {
    case 'local':
      return new FsReservoirStore(path.resolve(cwd, location.path));
    case 's3':
      return new S3ReservoirStore((deps.s3 ?? defaultS3)(), { bucket: location.bucket, prefix: location.prefix });
  }
}
