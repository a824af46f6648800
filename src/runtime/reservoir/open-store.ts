// Opens the store of a reservoir location (local folder now; S3 later behind the same interface).

import path from 'node:path';
import type { Location } from '../../compiler/model.ts';
import { RuntimeError } from '../runtime-error.ts';
import { FsReservoirStore } from './fs-store.ts';
import type { ReservoirStore } from './store.ts';

export function openReservoirStore(reservoir: string, location: Location, cwd: string = process.cwd()): ReservoirStore {
  switch (location.kind) {
    case 'local':
      return new FsReservoirStore(path.resolve(cwd, location.path));
    case 's3':
      throw new RuntimeError('WS721', { reservoir, kind: `s3://${location.bucket}/${location.prefix}` });
  }
}
