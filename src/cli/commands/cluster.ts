// `wshed cluster upload|launch|wait|forward|configure|terminate|up|status`: the EMR cluster's
// lifecycle one step at a time, as the original's upload-resources, launch-cluster,
// wait-for-cluster, forward-local-ports, configure-streams, terminate-cluster and all. Each action
// runs the pipeline's plan step of that kind (src/runtime/aws/emr, src/runtime/aws/tunnel).

import type { Argv } from 'yargs';
import type { AwsTargetConfig } from '../../compiler/target-config.ts';
import type { DrillStoragePluginStep, EmrClusterStep, HiveLiveTableStep, Plan, PlanStep, SshTunnelStep, UploadResourcesStep } from '../../compiler/plan/types.ts';
import { closeEmrClients, createEmrClients, type EmrClients } from '../../runtime/aws/emr/clients.ts';
import { findCluster, launchCluster, listOwnedClusters, terminateClusters, waitForCluster, type ClusterInfo } from '../../runtime/aws/emr/cluster.ts';
import { configureDrill, createHiveTables, createStreamViews } from '../../runtime/aws/emr/configure.ts';
import { clusterResourceBodies } from '../../runtime/aws/emr/step-provisioning.ts';
import { uploadResources } from '../../runtime/aws/emr/upload.ts';
import { execOnPrimary } from '../../runtime/aws/tunnel/exec.ts';
import { tunnelTarget } from '../../runtime/aws/tunnel/target.ts';
import { openTunnel, type TunnelEvent } from '../../runtime/aws/tunnel/tunnel.ts';
import { ensureBucket } from '../../runtime/aws/s3-client.ts';
import { RuntimeError } from '../../runtime/runtime-error.ts';
import { CLUSTER_TAG, PIPELINE_TAG } from '../../compiler/plan/provision-aws.ts';
import { formatDuration } from '../../compiler/format-numbers.ts';
import { CONF_OPTION, withHelp } from '../help.ts';
import { planFor, targetConfig } from '../session.ts';

interface Args {
  file: string;
  conf?: string;
}

interface Context {
  readonly file: string;
  readonly config: AwsTargetConfig;
  readonly plan: Plan;
  readonly clients: EmrClients;
  step<K extends PlanStep['kind']>(kind: K): Extract<PlanStep, { kind: K }>;
}

const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

async function withContext(argv: Args, run: (c: Context) => Promise<void>): Promise<void> {
  const config = targetConfig('aws', argv.conf) as AwsTargetConfig;
  const plan = planFor(argv.file, config);
  const clients = createEmrClients({ region: config.region });
  const step = <K extends PlanStep['kind']>(kind: K) => {
    const s = plan.steps.find((x) => x.kind === kind);
    if (!s) throw new Error(`the aws plan has no ${kind} step`);
    return s as Extract<PlanStep, { kind: K }>;
  };
  try {
    await run({ file: argv.file, config, plan, clients, step });
  } finally {
    closeEmrClients(clients);
  }
}

async function upload(c: Context): Promise<void> {
  const upload = c.step('upload-cluster-resources') as UploadResourcesStep;
  // One plugin per bucket holding a reservoir: the uploaded file lists them all ({name, config} each).
  const bodies = await clusterResourceBodies(c.plan);
  if (await ensureBucket(c.clients.s3, upload.bucket, c.config.region)) say(`created bucket ${upload.bucket} (${c.config.region})`);
  const urls = await uploadResources(c.clients, upload, bodies);
  for (const u of urls) say(`uploaded ${u}`);
}

function drillPlugins(plan: Plan): DrillStoragePluginStep[] {
  return plan.steps.filter((s): s is DrillStoragePluginStep => s.kind === 'drill-storage-plugin');
}

async function launch(c: Context, createDefaultRoles: boolean): Promise<ClusterInfo> {
  const { cluster, reused } = await launchCluster(c.clients, c.step('emr-cluster') as EmrClusterStep, { createDefaultRoles });
  say(reused ? `cluster ${cluster.id} of pipeline '${cluster.tags[PIPELINE_TAG]}' is already ${cluster.state}: reusing it` : `launched cluster ${cluster.id} (${cluster.state}); it costs money until 'wshed cluster terminate ${c.file}'`);
  return cluster;
}

async function running(c: Context): Promise<ClusterInfo> {
  const tags = (c.step('emr-cluster') as EmrClusterStep).tags;
  const found = await findCluster(c.clients.emr, tags);
  if (!found) throw new RuntimeError('WS834', { pipeline: tags[PIPELINE_TAG] ?? '', cluster: tags[CLUSTER_TAG] ?? '', file: c.file });
  return found;
}

async function wait(c: Context, pollSeconds: number): Promise<ClusterInfo> {
  const cluster = await running(c);
  let last = '';
  const tty = process.stderr.isTTY;
  const ready = await waitForCluster(c.clients.emr, cluster.id, {
    pollMs: pollSeconds * 1000,
    file: c.file,
    onProgress: (state, ms) => {
      const line = `cluster ${cluster.id}: ${state}, ${formatDuration(ms)} elapsed`;
      if (tty) process.stderr.write(`\r${line}\x1b[K`);
      else if (state !== last) process.stderr.write(`${line}\n`);
      last = state;
    },
  });
  if (tty) process.stderr.write('\n');
  say(`cluster ${ready.id} is ${ready.state}; primary node ${ready.primaryDns ?? '(no address)'}`);
  return ready;
}

function describeEvent(e: TunnelEvent): string | null {
  switch (e.kind) {
    case 'pinned':
      return `pinned the host key of ${e.host} (${e.fingerprint}) in ${e.file}; a different key later is refused`;
    case 'listening':
      return `forwarding 127.0.0.1:${e.localPort} -> primary node:${e.remotePort} (${e.service})`;
    case 'dropped':
      return `connection lost (${e.why})`;
    case 'reconnecting':
      return `reconnecting in ${formatDuration(e.inMs)} (attempt ${e.attempt})`;
    case 'connected':
      return e.attempt > 1 ? 'reconnected' : null;
    case 'channel-failed':
      return `a ${e.service} connection failed: ${e.why}`;
  }
}

async function forward(c: Context, terminateOnExit: boolean): Promise<void> {
  const cluster = await running(c);
  const step = c.step('ssh-tunnel') as SshTunnelStep;
  const tunnel = await openTunnel(tunnelTarget(step, cluster.primaryDns, { clusterId: cluster.id, state: cluster.state, file: c.file }), {
    forwards: step.forwards,
    onEvent: (e) => {
      const line = describeEvent(e);
      if (line) process.stderr.write(`${line}\n`);
    },
  });
  say(`tunnel to cluster ${cluster.id} is up; Ctrl-C closes it${terminateOnExit ? ' and terminates the cluster' : ''}`);
  const stop = () => void tunnel.close();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const { error } = await tunnel.closed;
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  say('tunnel closed');
  if (terminateOnExit) await terminate(c);
  if (error) throw error;
}

async function configure(c: Context): Promise<void> {
  const cluster = await running(c);
  const step = c.step('ssh-tunnel') as SshTunnelStep;
  const target = tunnelTarget(step, cluster.primaryDns, { clusterId: cluster.id, state: cluster.state, file: c.file });
  const drillPort = step.forwards.find((f) => f.service === 'drill')!.remotePort;
  // A tunnel of its own on a free local port: configure works with or without `forward` running.
  const tunnel = await openTunnel(target, { forwards: [{ service: 'drill', localPort: 0, remotePort: drillPort }] });
  const hive = c.plan.steps.filter((s): s is HiveLiveTableStep => s.kind === 'hive-live-table');
  try {
    const url = `http://127.0.0.1:${tunnel.ports.drill}`;
    const plugins = await configureDrill(url, drillPlugins(c.plan), cluster.primaryDns ?? target.host);
    say(`Drill storage plugins saved: ${plugins.join(', ')}`);
    const tables = await createHiveTables((cmd, stdin) => execOnPrimary(target, cmd, stdin), hive);
    if (tables.length > 0) say(`Hive tables: ${tables.join(', ')}`);
    const views = await createStreamViews(url, hive);
    if (views.length > 0) say(`Drill views (the whole stream, no metadata): ${views.join(', ')}`);
  } finally {
    await tunnel.close();
  }
}

async function terminate(c: Context): Promise<void> {
  const ids = await terminateClusters(c.clients.emr, c.step('emr-cluster').tags);
  say(ids.length > 0 ? `terminating cluster ${ids.join(', ')}` : 'no running cluster of this pipeline: nothing to terminate');
}

async function status(conf: string | undefined, json: boolean): Promise<void> {
  const config = targetConfig('aws', conf) as AwsTargetConfig;
  const clients = createEmrClients({ region: config.region });
  try {
    const owned = await listOwnedClusters(clients.emr);
    if (json) return say(JSON.stringify(owned));
    if (owned.length === 0) return say(`no cluster of watershed's is running in ${config.region}`);
    for (const c of owned) {
      say(`${c.id}  ${c.state.padEnd(13)} ${c.name}  pipeline ${c.tags[PIPELINE_TAG] ?? '?'}  since ${c.createdAt?.toISOString() ?? '?'}  ${c.primaryDns ?? ''}`.trimEnd());
    }
    say(`${owned.length} running: each costs money until terminated ('wshed cluster terminate FILE')`);
  } finally {
    closeEmrClients(clients);
  }
}

type Action = 'upload' | 'launch' | 'wait' | 'forward' | 'configure' | 'terminate' | 'up';

const fileCommand = (name: Action, describe: string, extra: (y: Argv) => Argv = (y) => y, run: (c: Context, argv: Record<string, unknown>) => Promise<unknown>) => ({
  command: `${name} <file>`,
  describe,
  builder: (y: Argv) =>
    withHelp(
      extra(y.positional('file', { type: 'string', demandOption: true, describe: 'pipeline file (.wshed)' }).option('conf', { ...CONF_OPTION, describe: 'JSON file overriding conf/aws.json' })),
      `cluster ${name}`,
    ),
  handler: (argv: Record<string, unknown>) => withContext(argv as unknown as Args, (c) => run(c, argv).then(() => {})),
});

const roles = (y: Argv) => y.option('create-default-roles', { type: 'boolean', default: false, describe: "create EMR's default roles when they are absent (as 'aws emr create-default-roles')" });
const poll = (y: Argv) => y.option('poll', { type: 'number', default: 15, describe: 'seconds between DescribeCluster calls' });

export const clusterCommand = {
  command: 'cluster',
  describe: 'the EMR cluster: upload, launch, wait, forward, configure, terminate, up, status',
  builder: (y: Argv) =>
    withHelp(
      y
        .command(fileCommand('upload', 'put the bootstrap scripts, the Drill plugin file and the job service (service.onCluster) on S3', undefined, (c) => upload(c)))
        .command(fileCommand('launch', 'launch the cluster (or find the running one of this pipeline)', roles, (c, a) => launch(c, Boolean(a.createDefaultRoles))))
        .command(fileCommand('wait', 'wait until the cluster is ready (WAITING)', poll, (c, a) => wait(c, Number(a.poll))))
        .command(
          fileCommand(
            'forward',
            'tunnel local ports to Drill, HiveServer2 and the job service on the primary node',
            (y2) => y2.option('terminate-on-exit', { type: 'boolean', default: false, describe: 'terminate the cluster when the tunnel closes' }),
            (c, a) => forward(c, Boolean(a.terminateOnExit)),
          ),
        )
        .command(fileCommand('configure', 'Drill storage plugins, the Hive tables over the streams and their Drill views', undefined, (c) => configure(c)))
        .command(fileCommand('terminate', "terminate this pipeline's cluster", undefined, (c) => terminate(c)))
        .command(
          fileCommand('up', 'upload, launch, wait and configure: a cluster ready to query', (y2) => poll(roles(y2)), async (c, a) => {
            await upload(c);
            await launch(c, Boolean(a.createDefaultRoles));
            await wait(c, Number(a.poll));
            await configure(c);
            say(`ready: 'wshed cluster forward ${c.file}' opens the tunnel`);
          }),
        )
        .command({
          command: 'status',
          describe: "list the clusters watershed launched (by tag) that are running",
          builder: (y2: Argv) => withHelp(y2.option('conf', { ...CONF_OPTION, describe: 'JSON file overriding conf/aws.json' }).option('json', { type: 'boolean', default: false, describe: 'print JSON' }), 'cluster status'),
          handler: (argv: { conf?: string; json: boolean }) => status(argv.conf, argv.json),
        })
        .demandCommand(1),
      'cluster',
    ),
  handler: () => {},
};
