// Target settings (the contents of conf/*.json) as the compiler sees them: already read and
// validated by the caller (see src/compiler/config/validate.ts), so the compiler does no I/O.

export type TargetName = 'local' | 'aws';

export interface LocalTargetConfig {
  readonly target: 'local';
  /** Port of the local Kinesis service; 0 picks a free one when it starts. */
  readonly kinesisPort: number;
  /** Where local state lives, relative to the working folder unless absolute ($WSHED_HOME overrides). */
  readonly home: string;
  readonly duckdb: { readonly threads: number; readonly memoryLimit: string };
  readonly replay: ReplayEmitConfig;
}

export interface ReplayEmitConfig {
  /** Fraction of each destination shard's write budget (1,000 records/s, 1 MiB/s) a replay may use. */
  readonly shardBudgetFraction: number;
  readonly maxRetries: number;
}

export interface InstanceGroup {
  readonly role: 'MASTER' | 'CORE' | 'TASK';
  readonly instanceType: string;
  readonly count: number;
}

export interface AwsTargetConfig {
  readonly target: 'aws';
  readonly region: string;
  /** Bucket for reservoirs given as local-looking paths and for cluster resources. */
  readonly bucket: string;
  readonly resourcesPrefix: string;
  readonly emr: {
    readonly name: string;
    readonly release: string;
    readonly instanceGroups: readonly InstanceGroup[];
    readonly keyPair: string;
    readonly subnetId: string | null;
    readonly logUri: string | null;
    /** The EMR service role and the EC2 instance profile (EMR's defaults unless set). */
    readonly serviceRole: string;
    readonly instanceProfile: string;
    /** The Drill release the bootstrap action installs, and where it downloads it (null: Apache's archive). */
    readonly drillVersion: string;
    readonly drillUrl: string | null;
    /** The primary node's address for SSH, instead of DescribeCluster's MasterPublicDnsName (tests, bastions). */
    readonly primaryAddress: string | null;
    /** Terminate the cluster when `wshed run` finishes. */
    readonly terminateAfterRun: boolean;
  };
  readonly ssh: {
    readonly user: string;
    /** Path of the private key file; the key itself never enters a plan. */
    readonly keyFile: string;
    readonly localDrillPort: number;
    readonly localHivePort: number;
    /** Local port forwarded to the job service on the primary node (port 8080 there). */
    readonly localServicePort: number;
    /** Where host keys are pinned on first use (~ is the home folder). */
    readonly knownHostsFile: string;
    readonly keepaliveSeconds: number;
  };
  readonly drill: {
    readonly storagePlugin: string;
    readonly port: number;
    /** `fs.s3a.*` properties laid over each bucket plugin's `config` (S3-compatible storage, VPC endpoints); no keys. */
    readonly s3a: Readonly<Record<string, string>>;
  };
  readonly hive: { readonly database: string; readonly port: number };
  readonly firehose: { readonly roleArn: string | null };
  /** The job service hosted on the primary node (see docs/service.md "On the cluster"). */
  readonly service: ClusterServiceConfig;
  readonly replay: ReplayEmitConfig;
}

export interface ClusterServiceConfig {
  /** Install and start `wshed serve` on the primary node at launch (a bootstrap action). */
  readonly onCluster: boolean;
  /** Its port on the primary node (127.0.0.1 there), the tunnel's `jobs` forward's remote end. */
  readonly port: number;
  /** Where the token is read: a file on this machine (uploaded beside the bundle), or an SSM parameter (read on the node); exactly one with onCluster. Never the token itself. */
  readonly tokenFile: string | null;
  readonly tokenParameter: string | null;
  /** A Node.js 20 tarball to install instead of the release's `nodejs20` package. */
  readonly nodeUrl: string | null;
}

export type TargetConfig = LocalTargetConfig | AwsTargetConfig;
