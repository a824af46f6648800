// Names of reservoir files: `<partition>/part-<shard>-<firstSeq>-<lastSeq>.<ext>`, so a name says
// which shard and which Kinesis sequence range (whole records, aggregates never split) it holds.

import { FILE_EXTENSION, QUARANTINE_FOLDER, type ReservoirFormat } from '../../compiler/record-layout.ts';
import { STORE_META_FOLDER, type StorePath } from './store.ts';

export interface FileRange {
  readonly shardId: string;
  readonly firstSequenceNumber: string;
  readonly lastSequenceNumber: string;
}

export function dataFilePath(partition: string, range: FileRange, format: ReservoirFormat): StorePath {
  return `${partition}/${fileName(range, FILE_EXTENSION[format])}`;
}

/** Quarantined records are always NDJSON: they are few and read by people, not by queries. */
export function quarantineFilePath(partition: string, range: FileRange): StorePath {
  return `${QUARANTINE_FOLDER}/${partition}/${fileName(range, 'json')}`;
}

function fileName(range: FileRange, ext: string): string {
  return `part-${range.shardId}-${range.firstSequenceNumber}-${range.lastSequenceNumber}.${ext}`;
}

const NAME = /^part-(shardId-\d+)-(\d+)-(\d+)\.([a-z]+)$/;

/** The shard and range a file name encodes, or null for other files. */
export function parseFileName(path: StorePath): (FileRange & { readonly extension: string }) | null {
  const m = NAME.exec(path.slice(path.lastIndexOf('/') + 1));
  return m ? { shardId: m[1], firstSequenceNumber: m[2], lastSequenceNumber: m[3], extension: m[4] } : null;
}

/** True for archived record files (not quarantine, not the store's bookkeeping). */
export function isDataFile(path: StorePath): boolean {
  const top = path.split('/', 1)[0];
  return top !== QUARANTINE_FOLDER && top !== STORE_META_FOLDER && parseFileName(path) !== null;
}

export function isQuarantineFile(path: StorePath): boolean {
  return path.startsWith(`${QUARANTINE_FOLDER}/`) && parseFileName(path) !== null;
}
