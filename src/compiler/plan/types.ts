// The plan: what `wshed run` will do, as plain serializable data. Defined here and only here;
// the runtime executes it step by step, `wshed plan` renders it, `--json` prints it as is.

import type { Key, JsonScalar, Location, ReplaySource } from '../model.ts';
import type { PartitionScheme, ReservoirFormat } from '../record-layout.ts';
import type { AwsTargetConfig, InstanceGroup, TargetName } from '../target-config.ts';

export const PLAN_VERSION = 1;

export interface Plan {
  readonly version: typeof PLAN_VERSION;
  /** The pipeline file, as given on the command line. */
  readonly pipeline: string;
  readonly target: TargetName;
  /** The instant relative times (`7d ago`, `now`) were resolved against. */
  readonly now: string;
  readonly steps: readonly PlanStep[];
}

/**
 * How a step changes the world, rendered as in `terraform plan`:
 * `+` create (when absent; live state is not known offline), `~` run (changes data),
 * `=` read (changes nothing), `-` destroy.
 */
export type PlanAction = 'create' | 'run' | 'read' | 'destroy';

interface StepBase {
  /** Unique in the plan, stable across runs: `stream.orders`, `replay.rebuild`. */
  readonly id: string;
  readonly action: PlanAction;
  /** Ids of steps that must finish first. */
  readonly after: readonly string[];
}

export type SqlByDialect = { readonly duckdb: string; readonly drill: string };

// ----- provisioning, local -----

export interface LocalServiceStep extends StepBase {
  readonly kind: 'local-service';
  readonly port: number;
  readonly home: string;
}

export interface ReservoirFolderStep extends StepBase {
  readonly kind: 'reservoir-folder';
  readonly reservoir: string;
  readonly path: string;
}

// ----- provisioning, both targets -----

export interface StreamStep extends StepBase {
  readonly kind: 'stream';
  readonly name: string;
  readonly shards: number;
  readonly retentionHours: number;
  /** The record key (a payload path or metadata); null means the partition key. */
  readonly key: Key | null;
}

// ----- provisioning, aws -----

export interface S3LocationStep extends StepBase {
  readonly kind: 's3-location';
  readonly reservoir: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly region: string;
}

/**
 * A Kinesis Data Firehose delivery stream reading `sourceStream` into the reservoir, with the
 * transformation Lambda that writes the record layout (src/lambda/firehose-transform.ts), its
 * roles unless `roleArn` is given, and a Glue table for Parquet. The runtime provisions it
 * (src/runtime/aws/firehose/): names here, ARNs resolved there.
 */
export interface FirehoseStep extends StepBase {
  readonly kind: 'firehose-delivery-stream';
  readonly name: string;
  readonly reservoir: string;
  readonly sourceStream: string;
  readonly region: string;
  readonly bucket: string;
  /** The reservoir's prefix in the bucket (no trailing slash; '' for the bucket root). */
  readonly reservoirPrefix: string;
  readonly format: ReservoirFormat;
  readonly partition: PartitionScheme;
  /** Firehose's custom prefix expression producing the reservoir's partition folders. */
  readonly prefix: string;
  readonly errorPrefix: string;
  /** Firehose's FileExtension setting (`.json`): Drill reads reservoir files by extension. */
  readonly fileExtension: string;
  readonly bufferBytes: number;
  readonly bufferSeconds: number;
  /** S3-level compression: none, since readers find files by `.json`; Parquet compresses inside. */
  readonly compression: 'UNCOMPRESSED';
  /** Parquet through Firehose's format conversion, against a Glue table of the record layout. */
  readonly formatConversion: { readonly glueDatabase: string; readonly glueTable: string; readonly compression: 'SNAPPY' } | null;
  /** The transformation Lambda. */
  readonly transform: { readonly functionName: string; readonly timeoutSeconds: number; readonly memoryMb: number };
  /** Roles watershed creates (least privilege) when `roleArn` is not set. */
  readonly roles: { readonly delivery: string; readonly transform: string } | null;
  /** A role given in the settings (firehose.roleArn), used for the delivery stream and the Lambda. */
  readonly roleArn: string | null;
}

export interface UploadResourcesStep extends StepBase {
  readonly kind: 'upload-cluster-resources';
  readonly bucket: string;
  readonly prefix: string;
  /** Files the cluster needs (bootstrap script, Drill storage plugin), by name. */
  readonly files: readonly string[];
  /** With `service.onCluster`: what the job service's files are made from (provision-aws.ts `SERVICE_FILES`). */
  readonly service?: UploadServiceFiles;
}

export interface UploadServiceFiles {
  /** The file on this machine whose content (the token) is uploaded for the node; null when the node reads an SSM parameter. Never the token. */
  readonly tokenFile: string | null;
  /** The settings the service runs with on the node (its --conf): these settings, which hold no secret. */
  readonly settings: AwsTargetConfig;
  /** The served pipeline's upload name (`pipelines/<name>.wshed`); its text is the plan's pipeline file. */
  readonly pipelineFile: string;
}

export interface EmrClusterStep extends StepBase {
  readonly kind: 'emr-cluster';
  readonly name: string;
  readonly release: string;
  readonly applications: readonly string[];
  readonly instanceGroups: readonly InstanceGroup[];
  readonly keyPair: string;
  readonly subnetId: string | null;
  readonly logUri: string | null;
  readonly serviceRole: string;
  readonly instanceProfile: string;
  /** Script on S3 and its arguments (for install-drill.sh: --version, --url, --cluster-id). */
  readonly bootstrapActions: readonly { readonly name: string; readonly script: string; readonly args: readonly string[] }[];
  /** Tags naming watershed's cluster and the pipeline: launching again finds the running cluster by them. */
  readonly tags: Readonly<Record<string, string>>;
}

/** One per bucket holding a reservoir (and the configured bucket's, which holds the views workspace). */
export interface DrillStoragePluginStep extends StepBase {
  readonly kind: 'drill-storage-plugin';
  readonly name: string;
  /** The bucket the plugin reads (`s3a://<bucket>`). */
  readonly bucket: string;
  /** The plugin configuration posted to Drill's REST API (`/storage/{name}.json`). */
  readonly config: Readonly<Record<string, unknown>>;
}

export interface HiveLiveTableStep extends StepBase {
  readonly kind: 'hive-live-table';
  readonly stream: string;
  /** The Hive database the table goes in, created first when absent. */
  readonly database: string;
  readonly table: string;
  readonly ddl: string;
  /** `<stream>_stream` on Drill over the table (no metadata; for exploration). */
  readonly drillView: { readonly name: string; readonly sql: string };
}

export interface SshTunnelStep extends StepBase {
  readonly kind: 'ssh-tunnel';
  readonly user: string;
  readonly keyFile: string;
  /** Host keys pinned on first use; a changed key is refused. */
  readonly knownHostsFile: string;
  readonly keepaliveSeconds: number;
  /** Address to connect to instead of the cluster's MasterPublicDnsName; null asks DescribeCluster. */
  readonly primaryAddress: string | null;
  /** The cluster's tags, to find it (the tunnel goes to the cluster the emr-cluster step launched). */
  readonly clusterTags: Readonly<Record<string, string>>;
  readonly forwards: readonly TunnelForward[];
}

export interface TunnelForward {
  readonly service: 'drill' | 'hive' | 'jobs';
  readonly localPort: number;
  readonly remotePort: number;
}

export interface EmrTerminateStep extends StepBase {
  readonly kind: 'emr-terminate';
  readonly cluster: string;
  readonly clusterTags: Readonly<Record<string, string>>;
}

// ----- data steps -----

export interface ArchiveStep extends StepBase {
  readonly kind: 'archive';
  readonly reservoir: string;
  readonly stream: string;
  readonly via: 'archiver' | 'firehose';
  readonly location: Location;
  readonly format: ReservoirFormat;
  readonly partition: PartitionScheme;
  /** How often a scheduled archiver catches up (archiver), or the Firehose buffer interval. */
  readonly everySeconds: number;
}

export interface ReservoirView {
  /** `<reservoir>` (archive + live, de-duplicated), `<reservoir>_archived`, `<reservoir>_live`. */
  readonly name: string;
  readonly role: 'unified' | 'archived' | 'live';
  readonly sql: SqlByDialect;
}

export interface ReservoirViewsStep extends StepBase {
  readonly kind: 'reservoir-views';
  readonly reservoir: string;
  /** The relations every view's SQL reads by name: the reservoir's archive and its live records. */
  readonly inputs: readonly PlanInput[];
  readonly views: readonly ReservoirView[];
}

/**
 * A relation a step's SQL reads by name only; each engine binds the name before running the SQL
 * (DuckDB: the exact files listed from the store, or an empty relation; Drill: its plugin's glob
 * table). The SQL never spells where the data is, so no runtime edits or parses it.
 */
export type PlanInput = ArchiveInput | LiveInput;

export interface ArchiveInput {
  readonly kind: 'archive';
  /** The relation as each dialect's SQL writes it (printed, quoted where needed). */
  readonly relation: SqlByDialect;
  readonly reservoir: string;
  readonly location: Location;
  readonly format: ReservoirFormat;
  readonly partition: PartitionScheme;
}

export interface LiveInput {
  readonly kind: 'live';
  readonly relation: SqlByDialect;
  readonly reservoir: string;
  /** The records of this stream past the reservoir's archive checkpoint, in the record layout. */
  readonly stream: string;
}

export interface QueryStep extends StepBase {
  readonly kind: 'query';
  readonly name: string;
  /** The saved query as written; it runs with the reservoir views defined. */
  readonly sql: SqlByDialect;
}

/** One operator of a replay, in execution order; `pushedDown` ones run inside the SQL. */
export type ReplayOperator =
  | { readonly op: 'scan'; readonly pushedDown: true; readonly sources: readonly ('archive' | 'live')[] }
  | { readonly op: 'dedupe'; readonly pushedDown: true; readonly by: readonly string[] }
  | { readonly op: 'bounds'; readonly pushedDown: true; readonly since: string | null; readonly until: string | null }
  | { readonly op: 'compact'; readonly pushedDown: true; readonly key: Key; readonly keepLastBy: readonly string[] }
  | { readonly op: 'filter'; readonly pushedDown: true; readonly where: string }
  | { readonly op: 'order'; readonly pushedDown: true; readonly by: readonly string[] }
  | { readonly op: 'limit'; readonly pushedDown: true; readonly count: number }
  | { readonly op: 'annotate'; readonly pushedDown: false; readonly fields: readonly { readonly key: string; readonly value: JsonScalar }[]; readonly metadataField: string }
  | { readonly op: 'aggregate'; readonly pushedDown: false; readonly format: 'kpl' }
  | { readonly op: 'emit'; readonly pushedDown: false; readonly stream: string; readonly partitionKey: Key; readonly ratePerSecond: number | null; readonly shardBudgetFraction: number };

export interface ReplayStep extends StepBase {
  readonly kind: 'replay';
  readonly name: string;
  readonly source: ReplaySource;
  readonly reservoir: string;
  readonly stream: string;
  readonly into: string;
  readonly operators: readonly ReplayOperator[];
  /** The source query with bounds, compaction, filter, order and limit pushed down. */
  readonly sql: SqlByDialect;
  /** Relations the SQL reads by name, which each engine binds: the archive unless the source is live, live unless it is archive. */
  readonly inputs: readonly PlanInput[];
}

export type PlanStep =
  | LocalServiceStep
  | ReservoirFolderStep
  | StreamStep
  | S3LocationStep
  | FirehoseStep
  | UploadResourcesStep
  | EmrClusterStep
  | DrillStoragePluginStep
  | HiveLiveTableStep
  | SshTunnelStep
  | EmrTerminateStep
  | ArchiveStep
  | ReservoirViewsStep
  | QueryStep
  | ReplayStep;

export type PlanStepKind = PlanStep['kind'];
