// Provisioning on the aws target: streams, S3 locations, Firehose delivery streams, the EMR
// cluster with Drill (and, with service.onCluster, the job service's bootstrap action and uploads),
// the Drill storage plugin, Hive tables over live streams and the SSH tunnel.

import { diagnostic, type Diagnostic } from '../diagnostics.ts';
import type { Location, Model, ReservoirModel } from '../model.ts';
import { FILE_EXTENSION } from '../record-layout.ts';
import type { AwsTargetConfig } from '../target-config.ts';
import { DRILL_VIEWS_FOLDER, DRILL_VIEWS_WORKSPACE, drillPluginName, drillStoragePlugin, type PluginWorkspace } from './drill-plugin.ts';
import { drillStreamViewSql, hiveLiveTableDdl, liveTableName, streamViewName } from './hive-live-table.ts';
import { firehoseErrorPrefix, firehosePrefix, folder, mapLocalPath } from './s3-layout.ts';
import { stepId, type StepList } from './step-list.ts';

/** EMR no longer ships Drill; the bootstrap action installs it. ZooKeeper is where Drillbits find each other. */
export const EMR_APPLICATIONS = ['Hadoop', 'Hive', 'ZooKeeper'];
export const DRILL_BOOTSTRAP_SCRIPT = 'install-drill.sh';
export const DRILL_PLUGIN_FILE = 'drill-storage-plugin.json';

/** Where each reservoir lives on S3 (local-looking paths mapped into config.bucket); absent after WS501. */
export function s3Locations(model: Model, config: AwsTargetConfig, diagnostics: Diagnostic[]): Map<string, Location & { kind: 's3' }> {
  const out = new Map<string, Location & { kind: 's3' }>();
  for (const r of model.reservoirs) {
    if (r.location.kind === 's3') {
      out.set(r.name, r.location);
      continue;
    }
    const mapped = mapLocalPath(r.location.path, config.bucket);
    if (mapped.ok) {
      out.set(r.name, { kind: 's3', bucket: mapped.bucket, prefix: mapped.prefix });
      // Never silently: the bucket is the configuration's (in conf/aws.json, a placeholder).
      diagnostics.push(
        diagnostic('WS405', r.locationSpan ?? r.span, { reservoir: r.name, path: r.location.path, url: `s3://${mapped.bucket}/${mapped.prefix}` }, [
          `to choose the place, write at "s3://BUCKET/PREFIX", or set "bucket" in the file given to --conf`,
        ]),
      );
    }
    else diagnostics.push(diagnostic('WS501', r.span, { what: mapped.why, target: 'aws' }, ['give a path inside the working folder, or an s3:// location']));
  }
  return out;
}

/** Tags on every cluster watershed launches: `wshed cluster status` lists by the first, launch reuses by both. */
export const CLUSTER_TAG = 'wshed:cluster';
export const PIPELINE_TAG = 'wshed:pipeline';

export function clusterTags(config: AwsTargetConfig, pipeline: string): Record<string, string> {
  return { [CLUSTER_TAG]: config.emr.name, [PIPELINE_TAG]: pipeline };
}

/** Where the bootstrap action downloads Drill unless emr.drillUrl says otherwise. */
export function drillDownloadUrl(version: string): string {
  return `https://archive.apache.org/dist/drill/${version}/apache-drill-${version}.tar.gz`;
}

/** The job service's default port on the primary node (what `wshed serve` listens on there; `service.port`). */
export const CLUSTER_JOB_SERVICE_PORT = 8080;

/** The job service's files among the uploads (`service.onCluster`), beside the Drill ones. */
export const SERVICE_FILES = {
  script: 'install-wshed-service.sh',
  /** package/{package.json,conf,dist,node_modules}, built at upload time from the installed package. */
  bundle: 'wshed-bundle.tgz',
  settings: 'wshed-service-settings.json',
  /** The content of `service.tokenFile`, read at upload time: never in the plan. */
  token: 'wshed-service-token',
  pipeline: (pipeline: string) => `pipelines/${pipeline}.wshed`,
} as const;

/** The bootstrap action that installs and starts `wshed serve` on the primary node, with its S3 files. */
function serviceBootstrap(config: AwsTargetConfig, pipeline: string, url: (file: string) => string): { name: string; script: string; args: string[] } {
  const s = config.service;
  const token = s.tokenParameter !== null ? ['--token-parameter', s.tokenParameter] : ['--token-file', url(SERVICE_FILES.token)];
  return {
    name: 'install-wshed-service',
    script: url(SERVICE_FILES.script),
    args: [
      '--bundle', url(SERVICE_FILES.bundle),
      '--port', String(s.port),
      '--drill-url', `http://localhost:${config.drill.port}`,
      ...token,
      '--conf', url(SERVICE_FILES.settings),
      '--pipeline', url(SERVICE_FILES.pipeline(pipeline)),
      ...(s.nodeUrl !== null ? ['--node-url', s.nodeUrl] : []),
    ],
  };
}

export interface AwsProvisioning {
  /** The pipeline's name (its file name without .wshed), tagged on the cluster. */
  readonly pipeline: string;
  readonly locations: ReadonlyMap<string, Location & { kind: 's3' }>;
  /** Streams some view or replay reads live, each getting a Hive table. */
  readonly liveStreams: ReadonlySet<string>;
}

export function provisionAws(model: Model, config: AwsTargetConfig, p: AwsProvisioning, list: StepList, diagnostics: Diagnostic[]): void {
  for (const s of model.streams) {
    list.add({ id: stepId.stream(s.name), kind: 'stream', action: 'create', after: [], name: s.name, shards: s.shards, retentionHours: s.retentionHours, key: s.key });
  }
  for (const r of model.reservoirs) {
    const loc = p.locations.get(r.name);
    if (!loc) continue;
    list.add({ id: stepId.reservoir(r.name), kind: 's3-location', action: 'create', after: [], reservoir: r.name, bucket: loc.bucket, prefix: loc.prefix, region: config.region });
  }
  for (const r of model.reservoirs) addFirehose(r, config, p, list);

  const resources = folder(config.resourcesPrefix);
  const resourceUrl = (file: string) => `s3://${config.bucket}/${resources}${file}`;
  const onCluster = config.service.onCluster;
  const serviceFiles = [
    SERVICE_FILES.script,
    SERVICE_FILES.bundle,
    SERVICE_FILES.settings,
    SERVICE_FILES.pipeline(p.pipeline),
    ...(config.service.tokenParameter === null ? [SERVICE_FILES.token] : []),
  ];
  list.add({
    id: stepId.upload(),
    kind: 'upload-cluster-resources',
    action: 'create',
    after: [],
    bucket: config.bucket,
    prefix: resources,
    files: [DRILL_BOOTSTRAP_SCRIPT, DRILL_PLUGIN_FILE, ...(onCluster ? serviceFiles : [])],
    ...(onCluster
      ? { service: { tokenFile: config.service.tokenParameter === null ? config.service.tokenFile : null, settings: config, pipelineFile: SERVICE_FILES.pipeline(p.pipeline) } }
      : {}),
  });
  list.add({
    id: stepId.cluster(),
    kind: 'emr-cluster',
    action: 'create',
    after: list.after(stepId.upload()),
    name: config.emr.name,
    release: config.emr.release,
    applications: EMR_APPLICATIONS,
    instanceGroups: config.emr.instanceGroups,
    keyPair: config.emr.keyPair,
    subnetId: config.emr.subnetId,
    logUri: config.emr.logUri,
    serviceRole: config.emr.serviceRole,
    instanceProfile: config.emr.instanceProfile,
    bootstrapActions: [
      {
        name: 'install-drill',
        script: `s3://${config.bucket}/${resources}${DRILL_BOOTSTRAP_SCRIPT}`,
        args: ['--version', config.emr.drillVersion, '--url', config.emr.drillUrl ?? drillDownloadUrl(config.emr.drillVersion), '--cluster-id', `${config.emr.name}-drillbits`],
      },
      ...(onCluster ? [serviceBootstrap(config, p.pipeline, resourceUrl)] : []),
    ],
    tags: clusterTags(config, p.pipeline),
  });
  list.add({
    id: stepId.tunnel(),
    kind: 'ssh-tunnel',
    action: 'create',
    after: list.after(stepId.cluster()),
    user: config.ssh.user,
    keyFile: config.ssh.keyFile,
    knownHostsFile: config.ssh.knownHostsFile,
    keepaliveSeconds: config.ssh.keepaliveSeconds,
    primaryAddress: config.emr.primaryAddress,
    clusterTags: clusterTags(config, p.pipeline),
    forwards: [
      { service: 'drill', localPort: config.ssh.localDrillPort, remotePort: config.drill.port },
      { service: 'hive', localPort: config.ssh.localHivePort, remotePort: config.hive.port },
      { service: 'jobs', localPort: config.ssh.localServicePort, remotePort: config.service.port },
    ],
  });
  addDrillPlugin(model, config, p, list, diagnostics);
  for (const stream of model.streams) {
    if (!p.liveStreams.has(stream.name)) continue;
    const table = liveTableName(stream.name);
    list.add({
      id: stepId.hive(stream.name),
      kind: 'hive-live-table',
      action: 'create',
      after: list.after(stepId.tunnel(), stepId.stream(stream.name)),
      stream: stream.name,
      database: config.hive.database,
      table,
      ddl: hiveLiveTableDdl(config.hive.database, table, stream.name, config.region),
      drillView: { name: streamViewName(stream.name), sql: drillStreamViewSql([config.drill.storagePlugin, DRILL_VIEWS_WORKSPACE], config.hive.database, table, stream.name) },
    });
  }
}

function addFirehose(r: ReservoirModel, config: AwsTargetConfig, p: AwsProvisioning, list: StepList): void {
  const loc = p.locations.get(r.name);
  if (r.archive.via !== 'firehose' || !loc) return;
  const name = firehoseName(r.name);
  list.add({
    id: stepId.firehose(r.name),
    kind: 'firehose-delivery-stream',
    action: 'create',
    after: list.after(stepId.stream(r.stream), stepId.reservoir(r.name)),
    name,
    reservoir: r.name,
    sourceStream: r.stream,
    region: config.region,
    bucket: loc.bucket,
    reservoirPrefix: loc.prefix,
    format: r.format,
    partition: r.partition,
    prefix: firehosePrefix(loc.prefix, r.partition),
    errorPrefix: firehoseErrorPrefix(loc.prefix),
    fileExtension: `.${FILE_EXTENSION[r.format]}`,
    bufferBytes: r.archive.bufferBytes,
    bufferSeconds: r.archive.bufferSeconds,
    compression: 'UNCOMPRESSED',
    // Parquet through Firehose's format conversion, against the Glue table watershed creates.
    formatConversion: r.format === 'parquet' ? { glueDatabase: GLUE_DATABASE, glueTable: glueTableName(r.name), compression: 'SNAPPY' } : null,
    transform: { functionName: `${name}-transform`.slice(0, 64), timeoutSeconds: 60, memoryMb: 256 },
    roles: config.firehose.roleArn === null ? { delivery: roleName(name, 'delivery'), transform: roleName(name, 'transform') } : null,
    roleArn: config.firehose.roleArn,
  });
}

/** The Glue database holding the record-layout tables of Parquet reservoirs written by Firehose. */
export const GLUE_DATABASE = 'wshed';

/** Glue names are lower case letters, digits and '_'. */
export function glueTableName(reservoir: string): string {
  return reservoir.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 255);
}

/** IAM role names allow letters, digits and '+=,.@_-', at most 64 characters. */
function roleName(deliveryStream: string, what: 'delivery' | 'transform'): string {
  const suffix = `-${what}`;
  return `${deliveryStream.slice(0, 64 - suffix.length)}${suffix}`;
}

/** Firehose names allow letters, digits, '_', '.', '-' and at most 64 characters. */
export function firehoseName(reservoir: string): string {
  return `wshed-${reservoir.replace(/[^A-Za-z0-9_.-]/g, '-')}`.slice(0, 64);
}

/**
 * One Drill `file` plugin per bucket: the configured bucket's (named by the settings, holding the
 * views workspace, always present) and one for each other bucket a reservoir lives in.
 */
function addDrillPlugin(model: Model, config: AwsTargetConfig, p: AwsProvisioning, list: StepList, diagnostics: Diagnostic[]): void {
  const byBucket = new Map<string, PluginWorkspace[]>([[config.bucket, []]]);
  const reservoirSteps = new Map<string, string[]>();
  for (const r of model.reservoirs) {
    const loc = p.locations.get(r.name);
    if (!loc) continue;
    if (!byBucket.has(loc.bucket)) byBucket.set(loc.bucket, []);
    byBucket.get(loc.bucket)!.push({ reservoir: r.name, prefix: loc.prefix, format: r.format });
    reservoirSteps.set(loc.bucket, [...(reservoirSteps.get(loc.bucket) ?? []), stepId.reservoir(r.name)]);
  }
  const named = new Map<string, string>();
  for (const [bucket, workspaces] of byBucket) {
    const name = drillPluginName(config.drill.storagePlugin, bucket, config.bucket);
    const clash = named.get(name);
    if (clash !== undefined) {
      const r = model.reservoirs.find((m) => p.locations.get(m.name)?.bucket === bucket)!;
      diagnostics.push(diagnostic('WS503', r.locationSpan ?? r.span, { bucket, other: clash, plugin: name }, ['keep the reservoirs of one pipeline in buckets whose names differ by more than "." and "-"']));
      continue;
    }
    named.set(name, bucket);
    const main = bucket === config.bucket;
    list.add({
      id: main ? stepId.drill() : stepId.drill(bucket),
      kind: 'drill-storage-plugin',
      action: 'create',
      after: list.after(stepId.tunnel(), ...(reservoirSteps.get(bucket) ?? [])),
      name,
      bucket,
      config: drillStoragePlugin(bucket, config.region, workspaces, main ? `${folder(config.resourcesPrefix)}${DRILL_VIEWS_FOLDER}` : null, config.drill.s3a),
    });
  }
}

/** Reservoir → the Drill plugin of its bucket, for the Drill SQL that reads its files. */
export function drillPluginsOf(model: Model, config: AwsTargetConfig, locations: ReadonlyMap<string, Location & { kind: 's3' }>): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of model.reservoirs) {
    const loc = locations.get(r.name);
    if (loc) out.set(r.name, drillPluginName(config.drill.storagePlugin, loc.bucket, config.bucket));
  }
  return out;
}
