// Step ids and the growing list of plan steps. Ids are derived from declared names only, so
// they are stable across runs and readable in `wshed plan` output and job records.

import type { PlanStep } from './types.ts';

export const stepId = {
  service: () => 'service.local',
  stream: (name: string) => `stream.${name}`,
  /** The reservoir's storage: a local folder or an S3 location. */
  reservoir: (name: string) => `reservoir.${name}`,
  firehose: (reservoir: string) => `firehose.${reservoir}`,
  upload: () => 'upload.cluster-resources',
  cluster: () => 'emr.cluster',
  tunnel: () => 'ssh.tunnel',
  /** The configured bucket's Drill plugin; another bucket's has the bucket's name after it. */
  drill: (bucket?: string) => (bucket === undefined ? 'drill.storage-plugin' : `drill.storage-plugin.${bucket}`),
  hive: (stream: string) => `hive.${stream}`,
  archive: (reservoir: string) => `archive.${reservoir}`,
  views: (reservoir: string) => `views.${reservoir}`,
  query: (name: string) => `query.${name}`,
  replay: (name: string) => `replay.${name}`,
  terminate: () => 'emr.terminate',
};

export interface StepList {
  readonly steps: PlanStep[];
  add(step: PlanStep): void;
  has(id: string): boolean;
  /**
   * Dependencies that exist in the plan, without repeats. A step left out because of an error
   * (already reported) must not leave a dangling edge behind.
   */
  after(...ids: readonly (string | null | undefined)[]): string[];
}

export function stepList(): StepList {
  const steps: PlanStep[] = [];
  const ids = new Set<string>();
  return {
    steps,
    add(step) {
      // Names are unique per kind (the checker reports repeats), so a clash here is a bug.
      if (ids.has(step.id)) throw new Error(`plan step id '${step.id}' is used twice`);
      ids.add(step.id);
      steps.push(step);
    },
    has: (id) => ids.has(id),
    after: (...wanted) => [...new Set(wanted.filter((id): id is string => !!id && ids.has(id)))],
  };
}
