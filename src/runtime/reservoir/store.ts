// The reservoir store: the small interface through which the runtime keeps reservoir files.
// A file becomes visible only complete: it is written aside (staged), made durable (sealed),
// then published under its name in one atomic step. The filesystem store is in fs-store.ts;
// S3 comes later behind the same interface.

import type { LockAttempt } from '../pid-lock.ts';

/** Paths inside a store are relative, '/'-separated: `dt=2026-01-01/hour=00/part-….json`. */
export type StorePath = string;

export interface StoredFile {
  readonly path: StorePath;
  readonly size: number;
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
  /** Makes the sealed file visible at `path` atomically; fails if a file is already there. */
  publish(path: StorePath): Promise<void>;
  /** Forgets the file (a no-op once published). */
  discard(): Promise<void>;
}

export interface ReservoirStore {
  /** Where the reservoir lives, for messages: a folder, or later s3://bucket/prefix. */
  readonly location: string;
  stage(): Promise<StagedFile>;
  /** Replaces the file at `path` atomically and durably (checkpoints). */
  writeAtomic(path: StorePath, data: string | Uint8Array): Promise<void>;
  /** Null when there is no such file. */
  read(path: StorePath): Promise<Buffer | null>;
  exists(path: StorePath): Promise<boolean>;
  /** Every visible file under `prefix` (all when omitted), in no particular order. */
  list(prefix?: StorePath): AsyncIterable<StoredFile>;
  /** Removes a visible file; a no-op when absent. */
  remove(path: StorePath): Promise<void>;
  /** Deletes staged files left by a process that died; call only while holding the lock. */
  clearStaging(): Promise<void>;
  /** An exclusive lock named `name` for this reservoir (one archiver at a time). */
  lock(name: string): Promise<LockAttempt>;
  /** How a SQL engine on this machine reads `path` (a local path, later an s3:// URL). */
  readableUrl(path: StorePath): string;
}

/** Files of the store's own bookkeeping (checkpoint, staging, locks) live under this folder. */
export const STORE_META_FOLDER = '_wshed';
