// Host keys pinned on first use, in OpenSSH's known_hosts format (`[host]:port type base64`), so
// the file reads as any ssh user expects and `ssh -o UserKnownHostsFile=` can share it. An
// unknown host is pinned and said so; a host whose key differs is refused (WS836), never skipped.

import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export type HostKeyCheck =
  | { readonly kind: 'known' }
  | { readonly kind: 'pinned'; readonly fingerprint: string }
  | { readonly kind: 'changed'; readonly pinned: string; readonly offered: string };

export function hostPattern(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** `SHA256:…`, as `ssh-keygen -l` prints it. */
export function fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type is the first string of the SSH wire-format blob. */
function keyType(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return 'unknown';
  const n = keyBlob.readUInt32BE(0);
  return keyBlob.subarray(4, 4 + n).toString('latin1');
}

function pinnedKeys(file: string, pattern: string): Buffer[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const keys: Buffer[] = [];
  for (const line of text.split('\n')) {
    const [hosts, , key] = line.trim().split(/\s+/);
    if (!hosts || hosts.startsWith('#') || !key) continue;
    if (hosts.split(',').includes(pattern)) keys.push(Buffer.from(key, 'base64'));
  }
  return keys;
}

/** Compares the offered key with the pinned one, pinning it when the host is new. */
export function checkHostKey(file: string, host: string, port: number, keyBlob: Buffer): HostKeyCheck {
  const pattern = hostPattern(host, port);
  const pinned = pinnedKeys(file, pattern);
  if (pinned.some((k) => k.equals(keyBlob))) return { kind: 'known' };
  if (pinned.length > 0) return { kind: 'changed', pinned: fingerprint(pinned[0]!), offered: fingerprint(keyBlob) };
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  appendFileSync(file, `${pattern} ${keyType(keyBlob)} ${keyBlob.toString('base64')}\n`, { mode: 0o600 });
  return { kind: 'pinned', fingerprint: fingerprint(keyBlob) };
}
