// The reservoir store: the small interface through which the runtime keeps reservoir files.
// A file becomes visible only complete: it is written aside (staged), made durable (sealed),
// then published under its name in one atomic step, never replacing a file. Small files of the
// store's own bookkeeping (the archiver's lease) are changed only by conditional writes, so two
// machines can share a reservoir. The filesystem store is in fs-store.ts, S3 in s3-store.ts.

/** Paths inside a store are relative, '/'-separated: `dt=2026-01-01/hour=00/part-….json`. */
export type StorePath = string;

export interface StoredFile {
  readonly path: StorePath;
  readonly size: number;
}

/** A file's bytes and its version tag: the S3 ETag, a content hash on the filesystem. */
export interface TaggedFile {
  readonly data: Buffer;
  readonly tag: string;
}

/** A file being written aside; nobody listing or reading the reservoir sees it. */
export interface StagedFile {
  /** A local file path: the caller may hand it to another writer (DuckDB's COPY … TO). */
  readonly localPath: string;
  /** Bytes appended through append(). */
  readonly bytes: number;
  append(data: string | Uint8Array): Promise<void>;
  /** Flushes and fsyncs the content; returns its size. No appends after this. */
  seal(): Promise<number>;
  /**
   * Makes the sealed file visible at `path` atomically; fails if another file is already there
   * (S3: `If-None-Match: *`). A retry that finds this very content there counts as published.
   */
  publish(path: StorePath): Promise<void>;
  /** Forgets the file (a no-op once published). */
  discard(): Promise<void>;
}

export interface ReservoirStore {
  /** Where the reservoir lives, for messages: a folder, or s3://bucket/prefix. */
  readonly location: string;
  stage(): Promise<StagedFile>;
  /** Replaces the file at `path` atomically and durably (checkpoints). */
  writeAtomic(path: StorePath, data: string | Uint8Array): Promise<void>;
  /** Null when there is no such file. */
  read(path: StorePath): Promise<Buffer | null>;
  /** The first `bytes` bytes of the file (all of it when shorter; S3: a ranged GET), or null when absent. */
  readHead(path: StorePath, bytes: number): Promise<Buffer | null>;
  exists(path: StorePath): Promise<boolean>;
  /** Every visible file under `prefix` (all when omitted), in no particular order. */
  list(prefix?: StorePath): AsyncIterable<StoredFile>;
  /** Removes a visible file; a no-op when absent. */
  remove(path: StorePath): Promise<void>;
  /** Deletes staged files left by a process that died; call only while holding the lease. */
  clearStaging(): Promise<void>;
  /** The file with its version tag, or null when absent (for conditional writes). */
  readTagged(path: StorePath): Promise<TaggedFile | null>;
  /** Creates the file only if none is there (S3 `If-None-Match: *`): its new tag, or null. */
  createIfAbsent(path: StorePath, data: string | Uint8Array): Promise<string | null>;
  /** Replaces the file only if its tag is still `tag` (S3 `If-Match`): its new tag, or null. */
  replaceIfMatch(path: StorePath, data: string | Uint8Array, tag: string): Promise<string | null>;
  /** Removes the file only if its tag is still `tag`; false when it changed or is gone. */
  removeIfMatch(path: StorePath, tag: string): Promise<boolean>;
  /** How a SQL engine reads `path`: a local path, or an s3:// URL. */
  readableUrl(path: StorePath): string;
}

/** Files of the store's own bookkeeping (checkpoint, staging, leases) live under this folder. */
export const STORE_META_FOLDER = '_wshed';
