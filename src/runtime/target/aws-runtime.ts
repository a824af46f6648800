// The aws target: Kinesis and S3 through the AWS SDK's standard credential and endpoint chain
// (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_KINESIS / _S3 …), so an emulator is
// reached by environment alone; embedded DuckDB until the Drill engine comes; the aws provisioner.

import type { Location } from '../../compiler/model.ts';
import type { AwsTargetConfig } from '../../compiler/target-config.ts';
import { clusterStepProvisioning, type ClusterProvisioning } from '../aws/emr/step-provisioning.ts';
import { firehoseStepProvisioning } from '../aws/firehose/step-provisioning.ts';
import { awsProvisioner, type FirehoseProvisioning } from '../aws/provisioner.ts';
import type { S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../aws/s3-client.ts';
import { createStreamService } from '../kinesis/aws-stream-service.ts';
import { createKinesisClient, type KinesisEndpoint } from '../kinesis/client.ts';
import { resolveHome } from '../local/home.ts';
import type { DuckDbSettings } from '../query/duckdb-engine.ts';
import { openEmbeddedSqlEngine } from './embedded-sql.ts';
import { openReservoirStore } from '../reservoir/open-store.ts';
import { homeCheckpointStore, reservoirCheckpointStore } from '../replay/checkpoint-store.ts';
import type { RuntimeOptions } from './local-runtime.ts';
import type { TargetRuntime } from './target-runtime.ts';
import { awsDrillTarget, chooseSqlEngine, openChosenSqlEngine, type SqlEngineChoice } from '../drill/engine-choice.ts';

/** The embedded engine's settings on aws (the settings file has none until Drill comes). */
const AWS_DUCKDB: DuckDbSettings = { threads: 2, memoryLimit: '512MB' };

export interface AwsRuntimeOptions extends RuntimeOptions {
  /** Firehose delivery-stream provisioning (default: aws/firehose/step-provisioning.ts on the SDK's chain). */
  readonly firehose?: FirehoseProvisioning;
  /** The cluster's steps (default: aws/emr/step-provisioning.ts on the SDK's chain). */
  readonly cluster?: ClusterProvisioning;
}

export function awsRuntime(config: AwsTargetConfig, options: AwsRuntimeOptions = {}): TargetRuntime {
  const cwd = options.cwd ?? process.cwd();
  const home = resolveHome({ cwd, configured: undefined });
  // No url and no credentials: the SDK resolves both from its chain. The region is the settings',
  // which the CLI took from the same chain (AWS_REGION, the profile) unless --conf names one.
  const kinesis: KinesisEndpoint = { region: config.region };
  let storeS3: S3Client | undefined;
  // The cluster's Drill through the tunnel ('wshed cluster forward') unless told otherwise.
  const chosen: SqlEngineChoice = chooseSqlEngine('drill', (url) => awsDrillTarget(config, url), options.sql);
  const cluster = options.cluster ?? clusterStepProvisioning({ region: config.region, onNotice: options.onNotice ?? ((text) => process.stderr.write(`${text}\n`)) });
  // Within `wshed run`, once its tunnel is open, Drill is at the tunnel's local end, which may be a
  // port picked free (ssh.localDrillPort 0): the run's replays read there. A --drill-url still wins.
  const sql = (): SqlEngineChoice => {
    const tunnel = options.sql?.drillUrl === undefined ? cluster.drillUrl() : null;
    return chosen.engine === 'drill' && tunnel ? { ...chosen, drill: { ...chosen.drill, url: tunnel } } : chosen;
  };
  return {
    target: 'aws',
    cwd,
    home,
    emit: config.replay,
    duckdb: AWS_DUCKDB,
    streams: async (request = {}) => createStreamService(kinesis, request.maxAttempts !== undefined ? { maxAttempts: request.maxAttempts } : {}),
    // AWS is always "running": a failure to reach it is reported where a call fails.
    streamsIfRunning: async () => createStreamService(kinesis),
    // The stores' S3 client in the plan's region too (an override in --conf included): one for every bucket.
    store: (reservoir: string, location: Location) => openReservoirStore(reservoir, location, cwd, { s3: () => (storeS3 ??= createS3Client({ region: config.region })) }),
    // Beside the source reservoir, which every machine running the pipeline reaches; the home only for a replay without one.
    replayCheckpoints: (reservoir) => (reservoir ? reservoirCheckpointStore(reservoir) : homeCheckpointStore(home)),
    openSqlEngine: (request) => openChosenSqlEngine(sql(), (r) => openEmbeddedSqlEngine(AWS_DUCKDB, r), request),
    get sql() {
      return sql();
    },
    provisioner: awsProvisioner({
      kinesis: () => createKinesisClient(kinesis),
      s3: (region) => createS3Client({ region }),
      firehose: options.firehose ?? firehoseStepProvisioning(),
      cluster,
    }),
  };
}
