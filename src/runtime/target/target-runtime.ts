// The target runtime: everything a command needs from the place it runs on, built once at the edge
// (the CLI command) from the target settings and passed down. Stages below it never branch on the
// target's name; each target is one implementation (local-runtime.ts, aws-runtime.ts).

import type { Location } from '../../compiler/model.ts';
import type { PlanStep } from '../../compiler/plan/types.ts';
import type { ReplayEmitConfig, TargetName } from '../../compiler/target-config.ts';
import type { StreamService } from '../kinesis/stream-service.ts';
import type { LiveStateReader } from '../live-state/reader.ts';
import type { DuckDbSettings } from '../query/duckdb-engine.ts';
import type { SqlEngine, SqlEngineRequest } from '../query/sql-engine.ts';
import type { SqlEngineChoice } from '../drill/engine-choice.ts';
import type { ReservoirStore } from '../reservoir/store.ts';
import type { ReplayCheckpointStore } from '../replay/checkpoint-store.ts';

export interface StreamsRequest {
  /** Start what must run for the streams to be reachable (the local service); AWS is always there. */
  readonly start?: boolean;
  /** Attempts per call: 1 for a replay's destination, which retries (and counts retries) itself. */
  readonly maxAttempts?: number;
}

export interface TargetRuntime {
  readonly target: TargetName;
  /** The folder relative paths (reservoir folders, the home) resolve against. */
  readonly cwd: string;
  /** This machine's watershed home: the job store, scratch space (and replay checkpoints locally). */
  readonly home: string;
  /** How replays and jobs emit (share of each shard's budget, retries). */
  readonly emit: ReplayEmitConfig;
  /** Settings of the embedded SQL engine. */
  readonly duckdb: DuckDbSettings;
  /** A new connection to the target's stream service (the caller closes it). */
  streams(request?: StreamsRequest): Promise<StreamService>;
  /** The stream service when it is reachable without starting anything, else null. */
  streamsIfRunning(): Promise<StreamService | null>;
  /** The reservoir store of a location: a folder, or an S3 bucket and prefix. */
  store(reservoir: string, location: Location): ReservoirStore;
  /**
   * Where a replay keeps its checkpoint and takes its lock, given the store of its source reservoir
   * (null when it reads none): this machine's home locally; on aws beside the reservoir (a lease for
   * the lock), so that `--resume` works from another machine.
   */
  replayCheckpoints(reservoir: ReservoirStore | null): ReplayCheckpointStore;
  /**
   * A new SQL engine (the caller closes it), fit for `request` (`embedded`: one in this process
   * whatever the target's engine, for converting files here). The engine is `sql`'s: DuckDB or Drill.
   */
  openSqlEngine(request?: SqlEngineRequest): Promise<SqlEngine>;
  /** The engine openSqlEngine opens (chosen once: the target's default or --engine): DuckDB, or Drill and where it is. */
  readonly sql: SqlEngineChoice;
  /** Reads what exists and applies provisioning steps. */
  readonly provisioner: Provisioner;
}

/** What applying one provisioning step did, for one line of `wshed run` and its JSON. */
export interface StepOutcome {
  readonly outcome: 'created' | 'updated' | 'exists' | 'running' | 'kept' | 'deleted';
  /** One line: `created; 2 shards; retention 24 h`. */
  readonly text: string;
  readonly data: Readonly<Record<string, unknown>>;
}

/**
 * A target's provider, Terraform style: it reads live state (the LiveStateReader `wshed plan`
 * diffs against, in the compiler's changes.ts) and applies one provisioning step at a time.
 */
export interface Provisioner extends LiveStateReader {
  /**
   * Whether live state can be read here without guessing: the local home always; AWS when
   * credentials, a profile or an endpoint are configured (else `wshed plan` stays offline).
   */
  readable(): boolean;
  /** Whether this target applies steps of this kind (others are data steps, or not run here). */
  handles(kind: PlanStep['kind']): boolean;
  /**
   * Brings one step's resource to its declared state: create when absent, update when different,
   * unchanged otherwise. `plan.pipeline` names what created it (AWS tags it); steps that build on
   * others (the cluster's upload, its Drill plugins) read them from `plan.steps`.
   */
  apply(step: PlanStep, plan: PlanOrigin & { readonly steps?: readonly PlanStep[] }): Promise<StepOutcome>;
  /**
   * After a failed run, what the target undoes for cost safety (aws: terminates a cluster this run
   * launched when the plan ends by terminating it); null when nothing.
   */
  afterFailure?(plan: PlanOrigin & { readonly steps: readonly PlanStep[] }): Promise<StepOutcome | null>;
  /**
   * Resources this pipeline made that its plan no longer declares. Kept and reported ("not
   * declared, kept") unless `remove` is set, the explicit flag.
   */
  undeclared(plan: PlanOrigin & { readonly steps: readonly PlanStep[] }, options: { readonly remove: boolean }): Promise<UndeclaredResource[]>;
  /** Releases connections (and closes what a run held open, such as the cluster's tunnel). */
  close(): void | Promise<void>;
}

export interface PlanOrigin {
  /** The pipeline file the plan was made from. */
  readonly pipeline: string;
}

export interface UndeclaredResource {
  readonly kind: 'stream';
  readonly name: string;
  readonly outcome: 'kept' | 'deleted';
}
