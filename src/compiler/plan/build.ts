// buildPlan(): the checked model and target settings → the plan (provisioning, then data steps,
// then teardown), plus target-specific diagnostics. Pure: `now` comes in through options.

import path from 'node:path';
import type { Diagnostic } from '../diagnostics.ts';
import type { Model } from '../model.ts';
import type { SqlNaming } from '../sql/index.ts';
import type { AwsTargetConfig, LocalTargetConfig, TargetConfig } from '../target-config.ts';
import { addDataSteps, liveStreams, viewsByReservoir } from './data-steps.ts';
import { clusterTags, drillPluginsOf, provisionAws, s3Locations } from './provision-aws.ts';
import { provisionLocal } from './provision-local.ts';
import { stepId, stepList, type StepList } from './step-list.ts';
import { PLAN_VERSION, type Plan } from './types.ts';

/** Names the local SQL uses: DuckDB has no storage plugin or Hive, but the SQL is shared. */
export const LOCAL_SQL_NAMING: SqlNaming = { drillStoragePlugin: 'wshed', hiveDatabase: 'wshed' };

export interface BuildOptions {
  /** The pipeline file, as given on the command line. */
  readonly pipeline: string;
  readonly now: Date;
  /** The pipeline file's folder (absolute): relative local locations resolve against it. */
  readonly folder?: string;
}

export function buildPlan(model: Model, config: TargetConfig, options: BuildOptions): { plan: Plan; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const list = stepList();
  if (config.target === 'local') planLocal(resolveLocations(model, options.folder), config, list, diagnostics);
  else planAws(model, config, pipelineName(options.pipeline), list, diagnostics);
  const plan: Plan = { version: PLAN_VERSION, pipeline: options.pipeline, target: config.target, now: options.now.toISOString(), steps: list.steps };
  return { plan, diagnostics };
}

/**
 * A relative local location means the file's folder, the way a user reads the file, whatever the
 * working folder. Paths inside the watershed home (`./.wshed/...`, where the default location is)
 * stay relative to the working folder, whose home they name.
 */
function resolveLocations(model: Model, folder: string | undefined): Model {
  if (folder === undefined) return model;
  const resolve = (p: string) => (path.isAbsolute(p) || inHome(p) ? p : path.resolve(folder, p));
  return {
    ...model,
    reservoirs: model.reservoirs.map((r) => (r.location.kind === 'local' ? { ...r, location: { kind: 'local', path: resolve(r.location.path) } } : r)),
  };
}

const inHome = (p: string) => /^(\.\/)?\.wshed(\/|$)/.test(p.replace(/\\/g, '/'));

function planLocal(model: Model, config: LocalTargetConfig, list: StepList, diagnostics: Diagnostic[]): void {
  const views = viewsByReservoir(model, LOCAL_SQL_NAMING);
  provisionLocal(model, config, list, diagnostics);
  addDataSteps(
    model,
    {
      naming: LOCAL_SQL_NAMING,
      replay: config.replay,
      location: (r) => (r.location.kind === 'local' ? r.location : null),
      archiveAfter: () => [],
      engineAfter: () => [],
    },
    views,
    list,
    diagnostics,
  );
}

/** The name a cluster's tag gives the pipeline: its file name without `.wshed`. */
export function pipelineName(file: string): string {
  return path.basename(file).replace(/\.wshed$/, '');
}

function planAws(model: Model, config: AwsTargetConfig, pipeline: string, list: StepList, diagnostics: Diagnostic[]): void {
  const locations = s3Locations(model, config, diagnostics);
  const naming: SqlNaming = { drillStoragePlugin: config.drill.storagePlugin, hiveDatabase: config.hive.database };
  const drillPlugins = drillPluginsOf(model, config, locations);
  const views = viewsByReservoir(model, naming, drillPlugins);
  provisionAws(model, config, { pipeline, locations, liveStreams: liveStreams(model, views) }, list, diagnostics);
  addDataSteps(
    model,
    {
      naming,
      drillPlugins,
      replay: config.replay,
      location: (r) => locations.get(r.name) ?? null,
      // Firehose does the archiving; the archive step waits for its buffer to be delivered.
      archiveAfter: (r) => (r.archive.via === 'firehose' ? [stepId.firehose(r.name)] : []),
      // Every bucket's plugin: a saved query may read reservoirs of several buckets.
      engineAfter: (live) => [...list.steps.filter((s) => s.kind === 'drill-storage-plugin').map((s) => s.id), ...(live === null ? [] : [stepId.hive(live)])],
    },
    views,
    list,
    diagnostics,
  );
  if (config.emr.terminateAfterRun) addTerminate(config, pipeline, list);
}

/** Terminates the cluster once every step using it is done: it waits for the last ones only. */
function addTerminate(config: AwsTargetConfig, pipeline: string, list: StepList): void {
  const users = new Set([stepId.cluster()]);
  for (const step of list.steps) if (step.after.some((id) => users.has(id))) users.add(step.id);
  const needed = new Set<string>();
  for (const step of list.steps) if (users.has(step.id)) for (const id of step.after) needed.add(id);
  const last = list.steps.filter((s) => users.has(s.id) && !needed.has(s.id)).map((s) => s.id);
  list.add({ id: stepId.terminate(), kind: 'emr-terminate', action: 'destroy', after: last, cluster: config.emr.name, clusterTags: clusterTags(config, pipeline) });
}
