// The consumer's rule: apply a record to its key only when it is newer, by origin position, than
// what the key holds (last writer wins). Order-independent and idempotent, so a consumer reading
// the live stream and a replay in any interleaving, with redeliveries, ends with the newest record.
// See docs/consistency.md for the protocol and what the rule does and does not promise.

import { REPLAY_METADATA_FIELD } from '../compiler/record-layout.ts';
import type { ReplayMetadata } from './metadata.ts';
import { compareVersions, liveVersion, readReplayMetadata, type LiveRecordMetadata, type Version } from './version.ts';

/** The field a replay sets with `annotate <overwrite: true>`. */
export const OVERWRITE_FIELD = 'overwrite';

/** A record as the rule sees it: its version and, for a replayed record, its replay metadata. */
export type Incoming =
  /** Read from the source stream; its version is its own position there. */
  | { readonly kind: 'live'; readonly version: Version }
  /** Read from a replay's destination stream; its version is `_wshed.origin`. */
  | {
      readonly kind: 'replayed';
      readonly version: Version;
      /** The record carries top-level `overwrite: true` (`annotate <overwrite: true>`). */
      readonly overwrite: boolean;
      readonly metadata: ReplayMetadata;
    };

/**
 * What the consumer holds for the record's key:
 * - a `Version`: the version of the value (or tombstone) it last applied;
 * - `'unversioned'`: a value written before the consumer kept versions (legacy state);
 * - `null` or `undefined`: nothing at all — the key was never written (a deleted key is NOT
 *   this: keep a tombstone with the delete's version, see docs/consistency.md).
 */
export type StoredVersion = Version | 'unversioned' | null | undefined;

/** Why a record is or is not applied. */
export type DecisionReason =
  /** Applied: the key holds nothing. */
  | 'no-stored-value'
  /** Applied: the record is newer than what the key holds. */
  | 'newer'
  /** Skipped: the key already holds this very record (a redelivery, or the same record seen live and replayed). */
  | 'same-version'
  /** Skipped: the key holds a newer record. `overwrite` never changes this. */
  | 'older'
  /** Applied: a live record replaces legacy state of unknown version. */
  | 'live-over-unversioned'
  /** Applied: a replayed record annotated `overwrite: true` replaces legacy state of unknown version. */
  | 'overwrite-unversioned'
  /** Skipped: a replayed record without `overwrite: true` leaves legacy state of unknown version alone. */
  | 'unversioned-kept';

/** The rule's answer for one record. */
export interface Decision {
  readonly apply: boolean;
  readonly reason: DecisionReason;
}

/**
 * Whether to apply `incoming` to its key, given what the key holds. When it says apply, store the
 * record's value (or a tombstone, for a delete) together with `incoming.version`.
 */
export function decide(incoming: Incoming, stored: StoredVersion): Decision {
  if (stored === null || stored === undefined) return { apply: true, reason: 'no-stored-value' };
  if (stored === 'unversioned') {
    if (incoming.kind === 'live') return { apply: true, reason: 'live-over-unversioned' };
    return incoming.overwrite ? { apply: true, reason: 'overwrite-unversioned' } : { apply: false, reason: 'unversioned-kept' };
  }
  const order = compareVersions(incoming.version, stored);
  if (order > 0) return { apply: true, reason: 'newer' };
  return order === 0 ? { apply: false, reason: 'same-version' } : { apply: false, reason: 'older' };
}

/** `decide(incoming, stored).apply`. */
export function shouldApply(incoming: Incoming, stored: StoredVersion): boolean {
  return decide(incoming, stored).apply;
}

/** The rule's view of a record read live from the source stream. Throws a RangeError on metadata that is not a Kinesis position. */
export function liveIncoming(meta: LiveRecordMetadata): Incoming {
  return { kind: 'live', version: liveVersion(meta) };
}

/**
 * The rule's view of a parsed JSON record read from a replay's destination stream, or null when it
 * carries no valid `_wshed` metadata (use `readReplayMetadata` to learn why).
 */
export function replayedIncoming(record: unknown): Incoming | null {
  const read = readReplayMetadata(record);
  if (read.kind !== 'replayed') return null;
  const overwrite = (record as Record<string, unknown>)[OVERWRITE_FIELD] === true;
  return { kind: 'replayed', version: read.metadata.origin, overwrite, metadata: read.metadata };
}

/**
 * A replayed JSON record without its `_wshed` field (a shallow copy), to store as the value.
 * Annotation fields such as `overwrite` are kept: they are part of what the replay emitted.
 * Any other value is returned as it is.
 */
export function withoutReplayMetadata<T>(record: T): T {
  if (typeof record !== 'object' || record === null || Array.isArray(record) || !(REPLAY_METADATA_FIELD in record)) return record;
  const { [REPLAY_METADATA_FIELD]: _metadata, ...rest } = record as Record<string, unknown>;
  return rest as T;
}
