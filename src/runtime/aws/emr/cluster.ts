// The cluster's lifecycle on EMR, as the original tool's launch-cluster, wait-for-cluster and
// terminate-cluster did it: launch (or find the running cluster of the same tags), wait until it
// is WAITING, terminate, and list the clusters watershed owns. Each takes the clients and a plan step.

import {
  DescribeClusterCommand,
  ListClustersCommand,
  RunJobFlowCommand,
  TerminateJobFlowsCommand,
  type Cluster,
  type ClusterState,
  type EMRClient,
} from '@aws-sdk/client-emr';
import type { EmrClusterStep } from '../../../compiler/plan/types.ts';
import { CLUSTER_TAG } from '../../../compiler/plan/provision-aws.ts';
import { RuntimeError } from '../../runtime-error.ts';
import { sleep } from '../../sleep.ts';
import type { EmrClients } from './clients.ts';
import { ensureClusterRoles } from './roles.ts';

/** States in which a cluster exists and costs money: one in these is reused, not launched again. */
export const ACTIVE_STATES: readonly ClusterState[] = ['STARTING', 'BOOTSTRAPPING', 'RUNNING', 'WAITING', 'TERMINATING'];
const REUSABLE: ReadonlySet<string> = new Set(['STARTING', 'BOOTSTRAPPING', 'RUNNING', 'WAITING']);

export interface ClusterInfo {
  readonly id: string;
  readonly name: string;
  readonly state: string;
  readonly tags: Readonly<Record<string, string>>;
  /** MasterPublicDnsName; null until the primary node is up. */
  readonly primaryDns: string | null;
  readonly createdAt: Date | null;
  /** StateChangeReason's message (why it terminated), or null. */
  readonly reason: string | null;
  readonly logUri: string | null;
}

function info(c: Cluster): ClusterInfo {
  const tags: Record<string, string> = {};
  for (const t of c.Tags ?? []) if (t.Key) tags[t.Key] = t.Value ?? '';
  const reason = c.Status?.StateChangeReason;
  return {
    id: c.Id ?? '',
    name: c.Name ?? '',
    state: c.Status?.State ?? 'UNKNOWN',
    tags,
    primaryDns: c.MasterPublicDnsName || null,
    createdAt: c.Status?.Timeline?.CreationDateTime ?? null,
    reason: reason?.Message ? `${reason.Message}${reason.Code ? ` (${reason.Code})` : ''}` : (reason?.Code ?? null),
    logUri: c.LogUri ?? null,
  };
}

async function call<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof RuntimeError) throw err;
    throw new RuntimeError('WS833', { what, why: (err as Error).message || String(err) }, { cause: err });
  }
}

export async function describeCluster(emr: EMRClient, id: string): Promise<ClusterInfo> {
  const r = await call(`DescribeCluster ${id}`, () => emr.send(new DescribeClusterCommand({ ClusterId: id })));
  return info(r.Cluster ?? {});
}

/** Every cluster watershed launched (tagged wshed:cluster) in the given states, newest first. */
export async function listOwnedClusters(emr: EMRClient, states: readonly ClusterState[] = ACTIVE_STATES): Promise<ClusterInfo[]> {
  const ids: string[] = [];
  let marker: string | undefined;
  do {
    const page = await call('ListClusters', () => emr.send(new ListClustersCommand({ ClusterStates: [...states], Marker: marker })));
    for (const c of page.Clusters ?? []) if (c.Id) ids.push(c.Id);
    marker = page.Marker;
  } while (marker);
  // ListClusters carries no tags: each cluster is described (few clusters are active at a time).
  const all = await Promise.all(ids.map((id) => describeCluster(emr, id)));
  return all.filter((c) => CLUSTER_TAG in c.tags).sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0));
}

/** The running (not terminating) cluster carrying all these tags, or null. */
export async function findCluster(emr: EMRClient, tags: Readonly<Record<string, string>>): Promise<ClusterInfo | null> {
  const owned = await listOwnedClusters(emr, [...REUSABLE] as ClusterState[]);
  return owned.find((c) => Object.entries(tags).every(([k, v]) => c.tags[k] === v)) ?? null;
}

export interface LaunchOptions {
  /** Create the roles the step names when they are absent (else WS830 says how). */
  readonly createDefaultRoles?: boolean;
}

export interface LaunchOutcome {
  readonly cluster: ClusterInfo;
  /** A running cluster with the step's tags was found and nothing was launched. */
  readonly reused: boolean;
}

/** RunJobFlow for the step, unless a cluster with the step's tags is already running. */
export async function launchCluster(clients: EmrClients, step: EmrClusterStep, options: LaunchOptions = {}): Promise<LaunchOutcome> {
  const running = await findCluster(clients.emr, step.tags);
  if (running) return { cluster: running, reused: true };
  await ensureClusterRoles(clients.iam, step, options.createDefaultRoles ?? false);
  const r = await call('RunJobFlow', () =>
    clients.emr.send(
      new RunJobFlowCommand({
        Name: step.name,
        ReleaseLabel: step.release,
        Applications: step.applications.map((Name) => ({ Name })),
        LogUri: step.logUri ?? undefined,
        ServiceRole: step.serviceRole,
        JobFlowRole: step.instanceProfile,
        VisibleToAllUsers: true,
        Tags: Object.entries(step.tags).map(([Key, Value]) => ({ Key, Value })),
        BootstrapActions: step.bootstrapActions.map((b) => ({ Name: b.name, ScriptBootstrapAction: { Path: b.script, Args: [...b.args] } })),
        Instances: {
          InstanceGroups: step.instanceGroups.map((g) => ({ Name: g.role.toLowerCase(), InstanceRole: g.role, InstanceType: g.instanceType, InstanceCount: g.count, Market: 'ON_DEMAND' })),
          Ec2KeyName: step.keyPair,
          Ec2SubnetId: step.subnetId ?? undefined,
          // The cluster serves queries between runs: it must not end when it has no steps.
          KeepJobFlowAliveWhenNoSteps: true,
          TerminationProtected: false,
        },
      }),
    ),
  );
  if (!r.JobFlowId) throw new RuntimeError('WS833', { what: 'RunJobFlow', why: 'no cluster id in the answer' });
  return { cluster: await describeCluster(clients.emr, r.JobFlowId), reused: false };
}

export interface WaitOptions {
  /** Between DescribeCluster calls (default 15 s; tests pass a few ms). */
  readonly pollMs?: number;
  /** Give up after (default 45 min: a cluster with bootstrap actions takes 10–20). */
  readonly timeoutMs?: number;
  readonly onProgress?: (state: string, elapsedMs: number) => void;
  readonly signal?: AbortSignal;
  /** For the fix line of WS832/WS842. */
  readonly file?: string;
}

/** Polls DescribeCluster until WAITING (or RUNNING: steps are running, it serves queries too). */
export async function waitForCluster(emr: EMRClient, id: string, options: WaitOptions = {}): Promise<ClusterInfo> {
  const started = Date.now();
  const timeoutMs = options.timeoutMs ?? 45 * 60_000;
  for (;;) {
    const c = await describeCluster(emr, id);
    const elapsed = Date.now() - started;
    options.onProgress?.(c.state, elapsed);
    if (c.state === 'WAITING' || c.state === 'RUNNING') return c;
    if (c.state === 'TERMINATED_WITH_ERRORS' || c.state === 'TERMINATED' || c.state === 'TERMINATING') {
      throw new RuntimeError('WS831', { id, state: c.state, reason: c.reason ?? 'no reason given', logUri: c.logUri ?? '' });
    }
    if (elapsed >= timeoutMs || options.signal?.aborted) {
      throw new RuntimeError('WS832', { id, state: c.state, seconds: Math.round(elapsed / 1000), file: options.file ?? 'FILE' });
    }
    await sleep(options.pollMs ?? 15_000, options.signal);
  }
}

/** TerminateJobFlows on every running cluster with these tags; returns the ids terminated. */
export async function terminateClusters(emr: EMRClient, tags: Readonly<Record<string, string>>): Promise<string[]> {
  const owned = await listOwnedClusters(emr, ['STARTING', 'BOOTSTRAPPING', 'RUNNING', 'WAITING']);
  const ids = owned.filter((c) => Object.entries(tags).every(([k, v]) => c.tags[k] === v)).map((c) => c.id);
  if (ids.length > 0) await call('TerminateJobFlows', () => emr.send(new TerminateJobFlowsCommand({ JobFlowIds: ids })));
  return ids;
}
