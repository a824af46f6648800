// The cluster's plan steps as `wshed run --target aws` applies them, one StepOutcome each, through
// the same functions as `wshed cluster ACTION`: upload the resources, launch (or reuse by tag) and
// wait, open the tunnel and keep it for the rest of the run (Drill is reached through it), save the
// Drill plugins, create the Hive tables, and terminate when the plan says so. A run that fails
// after launching a cluster itself terminates it when the plan terminates it (cost safety).

import type { DrillStoragePluginStep, EmrClusterStep, HiveLiveTableStep, PlanStep, SshTunnelStep, UploadResourcesStep } from '../../../compiler/plan/types.ts';
import { formatDuration } from '../../../compiler/format-numbers.ts';
import { RuntimeError } from '../../runtime-error.ts';
import { ensureBucket } from '../s3-client.ts';
import type { PlanOrigin, StepOutcome } from '../../target/target-runtime.ts';
import { execOnPrimary } from '../tunnel/exec.ts';
import { tunnelTarget } from '../tunnel/target.ts';
import { openTunnel, type Tunnel, type TunnelTarget } from '../tunnel/tunnel.ts';
import { closeEmrClients, createEmrClients, type EmrClients } from './clients.ts';
import { findCluster, launchCluster, terminateClusters, waitForCluster, type ClusterInfo } from './cluster.ts';
import { configureDrill, createHiveTables, createStreamViews } from './configure.ts';
import { serviceUploadBodies } from './service-resources.ts';
import { DRILL_PLUGIN_UPLOAD, uploadResources } from './upload.ts';

export type ClusterStepKind = Extract<PlanStep['kind'], 'upload-cluster-resources' | 'emr-cluster' | 'ssh-tunnel' | 'drill-storage-plugin' | 'hive-live-table' | 'emr-terminate'>;

export const CLUSTER_STEP_KINDS: ReadonlySet<PlanStep['kind']> = new Set<ClusterStepKind>(['upload-cluster-resources', 'emr-cluster', 'ssh-tunnel', 'drill-storage-plugin', 'hive-live-table', 'emr-terminate']);

/** The plan as the cluster steps need it: later steps read earlier ones (the plugin file, the forwards). */
export type ClusterPlan = PlanOrigin & { readonly steps: readonly PlanStep[] };

export interface ClusterProvisioning {
  apply(step: PlanStep, plan: ClusterPlan): Promise<StepOutcome>;
  /** Drill's REST base through this run's tunnel, once its step ran; else null. */
  drillUrl(): string | null;
  /**
   * After a run failed: terminates the cluster this run launched (not one it found running) when
   * the plan ends with terminating it (`emr.terminateAfterRun`). Null when there is nothing to do.
   */
  afterFailure(plan: ClusterPlan): Promise<StepOutcome | null>;
  /** Closes the tunnel and the clients. */
  close(): Promise<void>;
}

export interface ClusterProvisioningOptions {
  readonly region: string;
  /** Create EMR's default roles when absent (else WS830 says how). */
  readonly createDefaultRoles?: boolean;
  /** Between DescribeCluster calls while waiting (default 15 s). */
  readonly pollMs?: number;
  /** Progress the user should see while a step takes minutes (waiting for the cluster, tunnel events). */
  readonly onNotice?: (text: string) => void;
  readonly clients?: EmrClients;
}

/**
 * Files the upload step writes from the plan: the Drill plugin configuration (every bucket's
 * plugin), beside the bootstrap script; with `service.onCluster` the job service's bundle,
 * settings, pipeline and token (service-resources.ts).
 */
export async function clusterResourceBodies(plan: ClusterPlan): Promise<Record<string, string | Buffer>> {
  const plugins = plan.steps.filter((s): s is DrillStoragePluginStep => s.kind === 'drill-storage-plugin').map((p) => ({ name: p.name, config: p.config }));
  const upload = plan.steps.find((s): s is UploadResourcesStep => s.kind === 'upload-cluster-resources');
  const service = upload ? await serviceUploadBodies(upload, { pipeline: plan.pipeline }) : {};
  return { [DRILL_PLUGIN_UPLOAD]: `${JSON.stringify(plugins, null, 2)}\n`, ...service };
}

export function clusterStepProvisioning(options: ClusterProvisioningOptions): ClusterProvisioning {
  let clients: EmrClients | null = options.clients ?? null;
  const own = !options.clients;
  const emr = () => (clients ??= createEmrClients({ region: options.region }));
  const notice = options.onNotice ?? (() => {});
  let cluster: ClusterInfo | null = null;
  let launchedHere = false;
  let tunnel: Tunnel | null = null;
  let target: TunnelTarget | null = null;

  const theCluster = async (tags: Readonly<Record<string, string>>): Promise<ClusterInfo> => {
    cluster ??= await findCluster(emr().emr, tags);
    if (!cluster) throw new RuntimeError('WS834', { pipeline: tags['wshed:pipeline'] ?? '', cluster: tags['wshed:cluster'] ?? '', file: 'FILE' });
    return cluster;
  };
  const drillUrl = () => (tunnel?.ports.drill !== undefined ? `http://127.0.0.1:${tunnel.ports.drill}` : null);
  const needTunnel = (step: PlanStep): { url: string; target: TunnelTarget } => {
    const url = drillUrl();
    if (!url || !target) throw new Error(`${step.id} runs after the ssh-tunnel step, which has not run`);
    return { url, target };
  };
  const terminate = async (tags: Readonly<Record<string, string>>): Promise<StepOutcome> => {
    await closeTunnel();
    const ids = await terminateClusters(emr().emr, tags);
    cluster = null;
    return ids.length > 0
      ? { outcome: 'deleted', text: `terminating cluster ${ids.join(', ')}`, data: { terminated: ids } }
      : { outcome: 'exists', text: 'no running cluster of this pipeline: nothing to terminate', data: { terminated: [] } };
  };
  const closeTunnel = async () => {
    const t = tunnel;
    tunnel = null;
    await t?.close();
  };

  return {
    drillUrl,
    async apply(step, plan): Promise<StepOutcome> {
      switch (step.kind) {
        case 'upload-cluster-resources': {
          const upload = step as UploadResourcesStep;
          // What is uploaded is read first (a missing token file changes nothing), then the
          // resources bucket (conf `bucket`, which need not hold a reservoir) made when absent.
          const bodies = await clusterResourceBodies(plan);
          const created = await ensureBucket(emr().s3, upload.bucket, options.region);
          const urls = await uploadResources(emr(), upload, bodies);
          return { outcome: created ? 'created' : 'updated', text: `${created ? `created bucket ${upload.bucket}; ` : ''}uploaded ${urls.join(', ')}`, data: { urls, bucketCreated: created } };
        }
        case 'emr-cluster': {
          const launched = await launchCluster(emr(), step as EmrClusterStep, { createDefaultRoles: options.createDefaultRoles ?? false });
          launchedHere = !launched.reused;
          if (launchedHere) notice(`launched cluster ${launched.cluster.id}; it costs money until it is terminated`);
          let last = '';
          const ready = await waitForCluster(emr().emr, launched.cluster.id, {
            pollMs: options.pollMs,
            file: plan.pipeline,
            onProgress: (state, ms) => {
              if (state !== last && state !== 'WAITING' && state !== 'RUNNING') notice(`cluster ${launched.cluster.id}: ${state}, ${formatDuration(ms)} elapsed`);
              last = state;
            },
          });
          cluster = ready;
          const where = ready.primaryDns ? `; primary node ${ready.primaryDns}` : '';
          return launchedHere
            ? { outcome: 'created', text: `launched cluster ${ready.id}, now ${ready.state}${where}`, data: { id: ready.id, state: ready.state, reused: false } }
            : { outcome: 'exists', text: `cluster ${ready.id} is already ${ready.state}: reused${where}`, data: { id: ready.id, state: ready.state, reused: true } };
        }
        case 'ssh-tunnel': {
          const s = step as SshTunnelStep;
          const c = await theCluster(s.clusterTags);
          await closeTunnel();
          target = tunnelTarget(s, c.primaryDns, { clusterId: c.id, state: c.state, file: plan.pipeline });
          tunnel = await openTunnel(target, {
            forwards: s.forwards,
            onEvent: (e) => {
              if (e.kind === 'pinned') notice(`pinned the host key of ${e.host} (${e.fingerprint}) in ${e.file}`);
              else if (e.kind === 'dropped') notice(`tunnel: connection lost (${e.why}); reconnecting`);
            },
          });
          const ports = Object.entries(tunnel.ports).map(([service, port]) => `${service} on 127.0.0.1:${port}`);
          return { outcome: 'running', text: `open for this run: ${ports.join(', ')}`, data: { ports: tunnel.ports } };
        }
        case 'drill-storage-plugin': {
          const { url, target: t } = needTunnel(step);
          const saved = await configureDrill(url, step as DrillStoragePluginStep, cluster?.primaryDns ?? t.host);
          return { outcome: 'updated', text: `saved on Drill: ${saved.join(', ')} (read back as sent)`, data: { plugins: saved } };
        }
        case 'hive-live-table': {
          const { url, target: t } = needTunnel(step);
          const h = step as HiveLiveTableStep;
          const tables = await createHiveTables((command, stdin) => execOnPrimary(t, command, stdin), [h]);
          const views = await createStreamViews(url, [h]);
          return { outcome: 'updated', text: `Hive table ${tables.join(', ')}; Drill view ${views.join(', ')}`, data: { tables, views } };
        }
        case 'emr-terminate':
          return terminate(step.clusterTags);
        default:
          throw new Error(`not a cluster step: ${step.kind}`);
      }
    },
    async afterFailure(plan) {
      const step = plan.steps.find((s) => s.kind === 'emr-terminate');
      if (!launchedHere || !step || step.kind !== 'emr-terminate') return null;
      launchedHere = false;
      return terminate(step.clusterTags);
    },
    async close() {
      await closeTunnel();
      if (own && clients) closeEmrClients(clients);
      clients = null;
    },
  };
}
