// Where the tunnel goes and with which key: the primary node's address from DescribeCluster
// (MasterPublicDnsName) unless emr.primaryAddress overrides it (`host` or `host:port`), the key
// read from ssh.keyFile, `~` meaning the home folder as in a shell.

import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SshTunnelStep } from '../../../compiler/plan/types.ts';
import { RuntimeError } from '../../runtime-error.ts';
import type { TunnelTarget } from './tunnel.ts';

export function expandHome(p: string): string {
  return p === '~' ? os.homedir() : p.startsWith('~/') ? path.join(os.homedir(), p.slice(2)) : p;
}

export function parseAddress(address: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(address.trim());
  if (!m || (address.split(':').length > 2 && !address.startsWith('['))) return { host: address, port: 22 };
  return { host: m[1]!, port: m[2] ? Number(m[2]) : 22 };
}

/** `primaryDns` comes from the cluster; the step's primaryAddress wins when set. */
export function tunnelTarget(step: SshTunnelStep, primaryDns: string | null, context: { clusterId: string; state: string; file?: string }): TunnelTarget {
  const address = step.primaryAddress ?? primaryDns;
  if (!address) throw new RuntimeError('WS842', { id: context.clusterId, state: context.state, file: context.file ?? 'FILE' });
  const keyPath = expandHome(step.keyFile);
  let privateKey: Buffer;
  try {
    privateKey = readFileSync(keyPath);
  } catch (err) {
    throw new RuntimeError('WS838', { path: keyPath, why: (err as NodeJS.ErrnoException).code ?? (err as Error).message });
  }
  return { ...parseAddress(address), user: step.user, privateKey, knownHostsFile: expandHome(step.knownHostsFile), keepaliveSeconds: step.keepaliveSeconds };
}
