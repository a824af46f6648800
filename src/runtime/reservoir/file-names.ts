// Names of reservoir files. The archiver's: `<partition>/part-<shard>-<firstSeq>-<lastSeq>.<ext>`,
// so a name says which shard and which Kinesis sequence range (whole records, aggregates never
// split) it holds. Firehose's (`archive via firehose`): the plan's prefix ends in `part-`, and
// Firehose appends `<delivery stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<uuid>` and the file
// extension (`.json`; `.json.gz` and the like when compressed): such a name says nothing of the
// records inside, so readers de-duplicate them against live records by identity.

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

/** The shard and range a file name encodes, or null for other files (Firehose's included). */
export function parseFileName(path: StorePath): (FileRange & { readonly extension: string }) | null {
  const m = NAME.exec(baseName(path));
  return m ? { shardId: m[1], firstSequenceNumber: m[2], lastSequenceNumber: m[3], extension: m[4] } : null;
}

/** What an object Firehose delivered says about itself: who wrote it, when, and how it is stored. */
export interface FirehoseObjectName {
  readonly deliveryStream: string;
  readonly version: number;
  /** When Firehose wrote the object (UTC, to the second), ISO-8601. */
  readonly writtenAt: string;
  readonly id: string;
  /** The extension without its compression suffix: `json` or `parquet`. */
  readonly extension: string;
  /** S3-level compression the name ends in (`gz`, `snappy`, `zip`), or null. */
  readonly compression: string | null;
}

// Delivery stream names allow letters, digits, '_', '.' and '-' (so the greedy name is anchored by
// the version and the timestamp after it); the id is Firehose's random UUID.
const FIREHOSE_NAME =
  /^part-([A-Za-z0-9_.-]{1,64})-(\d+)-(\d{4})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.(json|parquet)(?:\.(gz|snappy|zip))?$/;

export function parseFirehoseName(path: StorePath): FirehoseObjectName | null {
  const m = FIREHOSE_NAME.exec(baseName(path));
  if (!m) return null;
  return {
    deliveryStream: m[1],
    version: Number(m[2]),
    writtenAt: `${m[3]}-${m[4]}-${m[5]}T${m[6]}:${m[7]}:${m[8]}Z`,
    id: m[9],
    extension: m[10],
    compression: m[11] ?? null,
  };
}

/** The record file's format and compression by name, for either writer; null for other files. */
export function recordFileKind(path: StorePath): { readonly extension: string; readonly compression: string | null; readonly writer: 'archiver' | 'firehose' } | null {
  const archived = parseFileName(path);
  if (archived) return { extension: archived.extension, compression: null, writer: 'archiver' };
  const delivered = parseFirehoseName(path);
  return delivered ? { extension: delivered.extension, compression: delivered.compression, writer: 'firehose' } : null;
}

/** True for archived record files, by the archiver or Firehose (not quarantine, not the store's bookkeeping). */
export function isDataFile(path: StorePath): boolean {
  const top = path.split('/', 1)[0];
  return top !== QUARANTINE_FOLDER && top !== STORE_META_FOLDER && recordFileKind(path) !== null;
}

export function isQuarantineFile(path: StorePath): boolean {
  return path.startsWith(`${QUARANTINE_FOLDER}/`) && recordFileKind(path) !== null;
}

function baseName(path: StorePath): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
