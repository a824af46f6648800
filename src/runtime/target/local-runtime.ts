// The local target: the home's Kinesis service (kinesalite, started on demand), reservoirs in
// folders (or S3 through the standard chain), embedded DuckDB, and a provisioner for the service,
// streams and folders. The only place a local Kinesis endpoint is built for a command.

import type { LocalTargetConfig } from '../../compiler/target-config.ts';
import type { Location } from '../../compiler/model.ts';
import type { PlanStep } from '../../compiler/plan/types.ts';
import { createStreamService } from '../kinesis/aws-stream-service.ts';
import { createKinesisClient } from '../kinesis/client.ts';
import type { StreamService } from '../kinesis/stream-service.ts';
import { localLiveStateReader } from '../live-state/local.ts';
import { resolveHome } from '../local/home.ts';
import { reshardUniformly } from '../local/reshard.ts';
import { ensureLocalService, localServiceEndpoint, localServiceStatus } from '../local/service.ts';
import { openEmbeddedSqlEngine } from './embedded-sql.ts';
import { openReservoirStore } from '../reservoir/open-store.ts';
import { homeCheckpointStore } from '../replay/checkpoint-store.ts';
import { RuntimeError } from '../runtime-error.ts';
import { runReservoirFolderStep, runStreamStep } from '../steps.ts';
import { chooseSqlEngine, localDrillTarget, openChosenSqlEngine, type SqlEngineChoice, type SqlEngineOverride } from '../drill/engine-choice.ts';
import type { Provisioner, StepOutcome, StreamsRequest, TargetRuntime } from './target-runtime.ts';

export interface RuntimeOptions {
  readonly cwd?: string;
  /** Things the user should know that are not results (a service started). Default: stderr. */
  readonly onNotice?: (text: string) => void;
  /** The SQL engine (default: the target's own, DuckDB locally and Drill on aws), Drill's URL. */
  readonly sql?: SqlEngineOverride;
}

export function localRuntime(config: LocalTargetConfig, options: RuntimeOptions = {}): TargetRuntime {
  const cwd = options.cwd ?? process.cwd();
  const home = resolveHome({ cwd, configured: config.home });
  const notice = options.onNotice ?? ((text: string) => process.stderr.write(`${text}\n`));
  const sql: SqlEngineChoice = chooseSqlEngine('duckdb', (url) => localDrillTarget(home, url), options.sql);
  const streams = async (request: StreamsRequest = {}): Promise<StreamService> => {
    const client = request.maxAttempts !== undefined ? { maxAttempts: request.maxAttempts } : {};
    if (!request.start) return createStreamService(await localServiceEndpoint(home), client);
    const started = await ensureLocalService(home, config.kinesisPort).catch((e: unknown) => {
      throw portInUse(e, config.kinesisPort) ?? e;
    });
    if (started.started) notice(`started the local Kinesis service on 127.0.0.1:${started.port} (data in ${home})`);
    return createStreamService(started.endpoint, client);
  };
  const runtime: TargetRuntime = {
    target: 'local',
    cwd,
    home,
    emit: config.replay,
    duckdb: config.duckdb,
    streams,
    async streamsIfRunning() {
      const status = await localServiceStatus(home);
      return status.state === 'running' ? streams({ start: false }) : null;
    },
    store: (reservoir: string, location: Location) => openReservoirStore(reservoir, location, cwd),
    // A replay's checkpoint and PID lock stay in this machine's home (`<home>/replays/`).
    replayCheckpoints: () => homeCheckpointStore(home),
    openSqlEngine: (request) => openChosenSqlEngine(sql, (r) => openEmbeddedSqlEngine(config.duckdb, r), request),
    sql,
    provisioner: localProvisioner(home, cwd, streams),
  };
  return runtime;
}

/** WS704 for a start that failed because the port is taken, else null. */
export function portInUse(e: unknown, port: number): RuntimeError | null {
  return e instanceof RuntimeError && e.code === 'WS702' && /EADDRINUSE|address already in use/i.test(e.message) ? new RuntimeError('WS704', { port }) : null;
}

const LOCAL_KINDS: ReadonlySet<PlanStep['kind']> = new Set(['local-service', 'stream', 'reservoir-folder']);

/** The service, streams (resharded by split and merge, local/reshard.ts) and reservoir folders; nothing is deleted here. */
function localProvisioner(home: string, cwd: string, streams: (r?: StreamsRequest) => Promise<StreamService>): Provisioner {
  let service: StreamService | null = null;
  const connected = async () => (service ??= await streams({ start: true }));
  return {
    read: (plan) => localLiveStateReader({ home, cwd }).read(plan),
    readable: () => true,
    handles: (kind) => LOCAL_KINDS.has(kind),
    async apply(step): Promise<StepOutcome> {
      switch (step.kind) {
        case 'local-service':
          await connected();
          return { outcome: 'running', text: 'running', data: {} };
        case 'stream': {
          const service = await connected();
          let before = await service.describeStream(step.name);
          if (before && before.status !== 'ACTIVE' && before.status !== 'DELETING') {
            // A reshard or retention change in flight: its shard count is the one to compare.
            await service.waitForStream(step.name, 'active');
            before = await service.describeStream(step.name);
          }
          const resharded: string[] = [];
          if (before && before.status === 'ACTIVE' && before.openShards !== step.shards) {
            // kinesalite has no UpdateShardCount: split and merge to the declared uniform shards.
            const client = createKinesisClient(await localServiceEndpoint(home));
            try {
              await reshardUniformly(client, step.name, step.shards, () => service.waitForStream(step.name, 'active'));
            } finally {
              client.destroy();
            }
            resharded.push(`shards ${before.openShards} → ${step.shards}`);
          }
          const r = await runStreamStep(step, service);
          const outcome = resharded.length > 0 && r.outcome === 'exists' ? 'updated' : r.outcome;
          const notes = [...resharded, ...r.notes];
          return { outcome, text: [outcome, ...notes].join('; '), data: { outcome, notes } };
        }
        case 'reservoir-folder': {
          const r = await runReservoirFolderStep(step, cwd);
          return { outcome: r.created ? 'created' : 'exists', text: r.created ? `created ${r.path}` : 'exists', data: { created: r.created, path: r.path } };
        }
        default:
          throw new RuntimeError('WS810', { target: 'local', what: `${step.kind} steps`, steps: step.id, file: 'FILE' });
      }
    },
    // The local target never deletes a stream: there is nothing of the pipeline's to report.
    undeclared: async () => [],
    close() {
      service?.close();
      service = null;
    },
  };
}
