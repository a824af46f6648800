// A lease on a reservoir (one archiver at a time, on any machine): a small file naming its owner
// and an expiry, taken with a conditional create, renewed and stolen (once expired) with a
// conditional replace, so it works the same on a folder and on S3 and needs no shared PID space.

import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { isProcessAlive } from '../pid-lock.ts';
import { RuntimeError } from '../runtime-error.ts';
import { STORE_META_FOLDER, type ReservoirStore, type StorePath } from './store.ts';

/** The lease file's content: plain data. */
export interface LeaseRecord {
  readonly kind: 'reservoir-lease';
  readonly version: 1;
  readonly name: string;
  /** Unique per taking: `<host>/<pid>/<nonce>`. */
  readonly owner: string;
  readonly host: string;
  readonly pid: number;
  readonly takenAt: string;
  readonly renewedAt: string;
  readonly expiresAt: string;
}

export interface LeaseOptions {
  /** How long a lease lasts without renewal (default 60 s). It is renewed every third of that. */
  readonly ttlMs?: number;
  /** The wall clock written into and compared with lease files (tests move it). */
  readonly now?: () => Date;
}

export interface Lease {
  readonly owner: string;
  readonly path: StorePath;
  /**
   * Throws WS746 unless the lease is surely still ours: not taken over, and its last renewal
   * leaves time to spare. Called before every change the holder makes to the reservoir.
   */
  assertHeld(): void;
  release(): Promise<void>;
}

export type LeaseAttempt = { readonly ok: true; readonly lease: Lease } | { readonly ok: false; readonly holder: LeaseRecord };

export const DEFAULT_LEASE_TTL_MS = 60_000;

export function leasePath(name: string): StorePath {
  return `${STORE_META_FOLDER}/${name}.lease`;
}

/**
 * Takes the lease `name` of the store, or reports who holds it. An expired lease is taken over;
 * so is one whose owner ran on this host under a pid that no longer exists (a crash), at once.
 */
export async function takeLease(store: ReservoirStore, name: string, options: LeaseOptions = {}): Promise<LeaseAttempt> {
  const ttl = options.ttlMs ?? DEFAULT_LEASE_TTL_MS;
  const now = options.now ?? (() => new Date());
  const file = leasePath(name);
  const owner = `${os.hostname()}/${process.pid}/${randomBytes(6).toString('hex')}`;
  const record = (takenAt: string): LeaseRecord => {
    const at = now();
    return {
      kind: 'reservoir-lease',
      version: 1,
      name,
      owner,
      host: os.hostname(),
      pid: process.pid,
      takenAt,
      renewedAt: at.toISOString(),
      expiresAt: new Date(at.getTime() + ttl).toISOString(),
    };
  };
  for (let attempt = 0; attempt < 8; attempt++) {
    const sentAt = performance.now();
    const first = record(now().toISOString());
    const created = await store.createIfAbsent(file, encode(first));
    if (created !== null) return { ok: true, lease: new HeldLease(store, file, owner, first.takenAt, created, sentAt, ttl, record) };
    const current = await store.readTagged(file);
    if (!current) continue; // released in between: create again
    const holder = decode(current.data);
    // Our own create, answered late and retried by the SDK, finds our lease: it is ours.
    if (holder?.owner === owner) return { ok: true, lease: new HeldLease(store, file, owner, holder.takenAt, current.tag, sentAt, ttl, record) };
    if (holder && !isStale(holder, now())) return { ok: false, holder };
    const taken = record(now().toISOString());
    const replaced = await store.replaceIfMatch(file, encode(taken), current.tag);
    if (replaced !== null) return { ok: true, lease: new HeldLease(store, file, owner, taken.takenAt, replaced, sentAt, ttl, record) };
    // Someone else renewed or took it in between: look again.
  }
  const last = await store.readTagged(file);
  const holder = last ? decode(last.data) : null;
  if (holder) return { ok: false, holder };
  throw new Error(`could not take the lease ${store.location}/${file}: it kept changing`);
}

function isStale(holder: LeaseRecord, now: Date): boolean {
  if (Date.parse(holder.expiresAt) <= now.getTime()) return true;
  // A crashed process on this very host cannot renew: no need to wait for the expiry.
  return holder.host === os.hostname() && !isProcessAlive(holder.pid);
}

class HeldLease implements Lease {
  private tag: string;
  /** performance.now() until which the lease is surely ours (the expiry of the last renewal, by our clock). */
  private validUntil: number;
  private lost: string | null = null;
  private released = false;
  private readonly timer: NodeJS.Timeout;
  private renewing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: ReservoirStore,
    readonly path: StorePath,
    readonly owner: string,
    private readonly takenAt: string,
    tag: string,
    sentAt: number,
    private readonly ttl: number,
    private readonly record: (takenAt: string) => LeaseRecord,
  ) {
    this.tag = tag;
    this.validUntil = sentAt + ttl;
    this.timer = setInterval(() => {
      this.renewing = this.renewing.then(() => this.renew());
    }, Math.max(10, Math.floor(ttl / 3)));
    this.timer.unref();
  }

  assertHeld(): void {
    if (this.lost !== null) throw new RuntimeError('WS746', { location: this.store.location, lease: this.path, why: this.lost });
    // Stop well before the expiry others see: a write sent now must land while the lease holds.
    const margin = Math.min(5_000, this.ttl / 4);
    if (performance.now() > this.validUntil - margin) {
      throw new RuntimeError('WS746', { location: this.store.location, lease: this.path, why: 'it could not be renewed in time' });
    }
  }

  private async renew(): Promise<void> {
    if (this.released || this.lost !== null) return;
    const sentAt = performance.now();
    try {
      let next = await this.store.replaceIfMatch(this.path, encode(this.record(this.takenAt)), this.tag);
      if (next === null) {
        // An earlier renewal may have landed with its answer lost: then the file is still ours.
        const current = await this.store.readTagged(this.path);
        if (!current || decode(current.data)?.owner !== this.owner) {
          this.lost = 'another process took it over';
          return;
        }
        this.tag = current.tag;
        next = await this.store.replaceIfMatch(this.path, encode(this.record(this.takenAt)), this.tag);
        if (next === null) return;
      }
      this.tag = next;
      this.validUntil = sentAt + this.ttl;
    } catch {
      // A failed renewal is tried again at the next tick; assertHeld() stops the holder in time.
    }
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    clearInterval(this.timer);
    await this.renewing;
    if (this.lost === null) await this.store.removeIfMatch(this.path, this.tag).catch(() => false);
  }
}

function encode(record: LeaseRecord): string {
  return JSON.stringify(record) + '\n';
}

/** The lease in a file, or null when the file is not one (then it counts as expired). */
function decode(data: Buffer): LeaseRecord | null {
  try {
    const value = JSON.parse(data.toString('utf8')) as Partial<LeaseRecord>;
    if (value.kind !== 'reservoir-lease' || typeof value.owner !== 'string' || typeof value.expiresAt !== 'string') return null;
    if (!Number.isFinite(Date.parse(value.expiresAt)) || typeof value.host !== 'string' || !Number.isInteger(value.pid)) return null;
    return value as LeaseRecord;
  } catch {
    return null;
  }
}
