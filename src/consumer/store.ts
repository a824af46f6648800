// An in-memory reference store showing how a consumer keeps state under the rule: every key holds
// its value or a tombstone together with the version that wrote it, and every write goes through
// decide(). A real consumer does the same in its own database (a version column, a deleted flag).

import { decide, type Decision, type Incoming, type StoredVersion } from './decide.ts';
import type { Version } from './version.ts';

/** What a key holds. */
export type StoreEntry<V> =
  /** A value; `version` is null for legacy state written before the consumer kept versions. */
  | { readonly kind: 'value'; readonly value: V; readonly version: Version | null }
  /** The key was deleted by the record at `version`; kept so that an older record cannot revive it. */
  | { readonly kind: 'tombstone'; readonly version: Version };

/** The version the rule compares against, for an entry (or for a key that holds nothing). */
export function storedVersionOf<V>(entry: StoreEntry<V> | undefined): StoredVersion {
  if (entry === undefined) return undefined;
  return entry.version ?? 'unversioned';
}

/**
 * A key–value store that applies records by the rule: `put` and `delete` take the incoming record's
 * view (`liveIncoming`, `replayedIncoming`) and change the key only when `decide` says so.
 */
export class VersionedStore<V> {
  readonly #entries = new Map<string, StoreEntry<V>>();

  /** The key's entry: a value, a tombstone, or undefined when it was never written. */
  entry(key: string): StoreEntry<V> | undefined {
    return this.#entries.get(key);
  }

  /** The key's value; undefined when it was never written or is deleted. */
  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    return entry?.kind === 'value' ? entry.value : undefined;
  }

  /** What `decide` compares the key's next record against. */
  storedVersion(key: string): StoredVersion {
    return storedVersionOf(this.#entries.get(key));
  }

  /** Sets the key to `value` if the rule applies `incoming`; returns the rule's decision. */
  put(key: string, value: V, incoming: Incoming): Decision {
    const decision = decide(incoming, this.storedVersion(key));
    if (decision.apply) this.#entries.set(key, { kind: 'value', value, version: incoming.version });
    return decision;
  }

  /** Deletes the key — leaving a tombstone at the record's version — if the rule applies `incoming`. */
  delete(key: string, incoming: Incoming): Decision {
    const decision = decide(incoming, this.storedVersion(key));
    if (decision.apply) this.#entries.set(key, { kind: 'tombstone', version: incoming.version });
    return decision;
  }

  /** Writes legacy state: a value of unknown version, as a consumer had it before adopting the rule. */
  seedUnversioned(key: string, value: V): void {
    this.#entries.set(key, { kind: 'value', value, version: null });
  }

  /** Every key that holds a value (tombstones left out), in insertion order. */
  values(): Map<string, V> {
    const out = new Map<string, V>();
    for (const [key, entry] of this.#entries) if (entry.kind === 'value') out.set(key, entry.value);
    return out;
  }

  /** Number of keys with an entry, tombstones included. */
  get size(): number {
    return this.#entries.size;
  }
}
