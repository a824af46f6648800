// The diff between a plan and the live state a provider read (Terraform's "refresh"): for each
// step, whether it creates, updates in place, replaces, runs, reads, destroys or leaves something
// unchanged, which attributes differ (`shards 1 → 3`) and why. Pure: the reading is done by a
// provider in the runtime; without one every create is "create when absent".

import { humanDuration } from './human.ts';
import type { Plan, PlanStep } from './types.ts';

/** One resource a Firehose step makes (role, Lambda, Glue table, the delivery stream), as a dry run found it. */
export interface FirehosePart {
  readonly resource: string;
  readonly name: string;
  readonly action: 'create' | 'update' | 'unchanged';
  /** For an update: each differing setting, `what: live → desired`. */
  readonly details: readonly string[];
}

/** What a provider found of one provisioning step's resource. Plain data, keyed by step id. */
export type LiveResource =
  | { readonly kind: 'local-service'; readonly running: false }
  | { readonly kind: 'local-service'; readonly running: true; readonly port: number; readonly pid: number | null }
  | { readonly kind: 'stream'; readonly exists: false }
  | {
      readonly kind: 'stream';
      readonly exists: true;
      readonly openShards: number;
      readonly retentionHours: number;
      /** The stream's tags where the provider reads them (AWS). */
      readonly tags?: Readonly<Record<string, string>>;
    }
  | { readonly kind: 'reservoir-folder'; readonly exists: boolean }
  | { readonly kind: 's3-location'; readonly exists: boolean }
  | {
      readonly kind: 'firehose-delivery-stream';
      /** Whether the delivery stream itself exists. */
      readonly exists: boolean;
      /** Every resource of the step, as a dry run of its provisioning compared them. */
      readonly parts: readonly FirehosePart[];
      /** Set when Firehose cannot reach the declared state in place (its source changed). */
      readonly replace: { readonly live: string; readonly desired: string } | null;
    };

export interface LiveState {
  /** Where it was read from, for the plan's header: `the local service on 127.0.0.1:4567`. */
  readonly source: string;
  /** Steps a provider has no reading for stay "create when absent". */
  readonly resources: Readonly<Record<string, LiveResource>>;
  /** What could not be read, and so is not known (shown under the header). */
  readonly unknown?: string;
}

export type Change = 'create' | 'change' | 'replace' | 'unchanged' | 'run' | 'read' | 'destroy';

/** One attribute whose live value differs from the declared one: `shards 1 → 3`. */
export interface AttributeChange {
  /** The attribute's name as the plan shows it (`shards`, `retention`, `buffer`). */
  readonly name: string;
  readonly from: string;
  readonly to: string;
}

export interface StepChange {
  readonly change: Change;
  /** False when nothing was read (offline): a create then means "create when absent". */
  readonly known: boolean;
  /** What was found or what run will do, in words: `run reshards it`. */
  readonly notes: readonly string[];
  /** Attributes that differ, live → declared. */
  readonly attributes: readonly AttributeChange[];
  /** Attributes the live state replaces outright (the real port of a running service). */
  readonly live: Readonly<Record<string, string>>;
}

export const CHANGE_ORDER: readonly Change[] = ['create', 'change', 'replace', 'run', 'read', 'destroy', 'unchanged'];

/** Changes to resources; `run` and `read` are the data steps every run does. */
const RESOURCE_CHANGES: ReadonlySet<Change> = new Set<Change>(['create', 'change', 'replace', 'destroy']);

export function planChanges(plan: Plan, live: LiveState | null): ReadonlyMap<string, StepChange> {
  const out = new Map<string, StepChange>();
  for (const step of plan.steps) out.set(step.id, stepChange(step, live?.resources[step.id]));
  return out;
}

/** The cluster's steps: with `emr.terminate` in the plan the cluster lives only for the run. */
const CLUSTER_KINDS: ReadonlySet<PlanStep['kind']> = new Set<PlanStep['kind']>(['upload-cluster-resources', 'emr-cluster', 'ssh-tunnel', 'drill-storage-plugin', 'hive-live-table', 'emr-terminate']);

/** Whether the plan's cluster is launched for each run and terminated after it (so never drift). */
export function clusterPerRun(plan: Plan): boolean {
  return plan.steps.some((s) => s.kind === 'emr-terminate');
}

/**
 * True when live state was read and no lasting resource is to be created, changed, replaced or
 * destroyed. A cluster launched and terminated by every run is the run's work, as archiving is.
 */
export function noResourceChanges(plan: Plan, changes: ReadonlyMap<string, StepChange>, live: LiveState | null): boolean {
  if (live === null) return false;
  const perRun = clusterPerRun(plan);
  return plan.steps.every((s) => (perRun && CLUSTER_KINDS.has(s.kind)) || !RESOURCE_CHANGES.has(changes.get(s.id)!.change));
}

const offline = (change: Change): StepChange => ({ change, known: false, notes: [], attributes: [], live: {} });
const found = (change: Change, notes: string[] = [], attributes: AttributeChange[] = [], live: Record<string, string> = {}): StepChange => ({ change, known: true, notes, attributes, live });
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const hours = (h: number) => humanDuration(h * 3600);

/** Firehose's setting names (DescribeDeliveryStream) as the plan's attributes of the step call them. */
const FIREHOSE_ATTRIBUTE: Readonly<Record<string, string>> = { buffering: 'buffer', 'file extension': 'extension' };

function stepChange(step: PlanStep, live: LiveResource | undefined): StepChange {
  if (step.action !== 'create') return offline(step.action);
  if (!live || live.kind !== step.kind) return offline('create');
  switch (live.kind) {
    case 'local-service':
      return live.running
        ? found('unchanged', [`running on 127.0.0.1:${live.port}${live.pid === null ? '' : `, pid ${live.pid}`}`], [], { port: String(live.port) })
        : found('create', ['not running: run starts it']);
    case 'reservoir-folder':
    case 's3-location':
      return live.exists ? found('unchanged', ['exists']) : found('create');
    case 'stream': {
      if (step.kind !== 'stream') return offline('create');
      if (!live.exists) return found('create');
      const attributes: AttributeChange[] = [];
      const notes: string[] = [];
      if (live.openShards !== step.shards) {
        attributes.push({ name: 'shards', from: String(live.openShards), to: String(step.shards) });
        // Both providers reshard: UpdateShardCount on AWS, split and merge on the local service.
        notes.push('run reshards it');
      }
      if (live.retentionHours !== step.retentionHours) {
        attributes.push({ name: 'retention', from: hours(live.retentionHours), to: hours(step.retentionHours) });
        notes.push('run sets the retention');
      }
      return attributes.length > 0 ? found('change', notes, attributes) : found('unchanged', [`exists with ${plural(live.openShards, 'shard')}`]);
    }
    case 'firehose-delivery-stream': {
      if (live.replace) {
        return found('replace', [`Firehose cannot change a delivery stream's source in place; run refuses it (WS801) until the old one is deleted, after its buffer is delivered`], [{ name: 'source', from: live.replace.live, to: live.replace.desired }]);
      }
      if (!live.exists) return found('create', partNotes(live.parts, 'create'));
      const delivery = live.parts.find((p) => p.resource === 'delivery-stream');
      const attributes = (delivery?.details ?? []).map(detailAttribute);
      const notes = partNotes(live.parts.filter((p) => p !== delivery), 'any');
      return attributes.length > 0 || notes.length > 0 ? found('change', notes, attributes) : found('unchanged', ['delivery stream, roles and function as declared']);
    }
  }
}

/** `role wshed-x-delivery: to create`, one note a resource of the step that is not as declared. */
function partNotes(parts: readonly FirehosePart[], which: 'create' | 'any'): string[] {
  return parts
    .filter((p) => p.action !== 'unchanged' && (which === 'any' || p.resource !== 'delivery-stream'))
    .map((p) => `${p.resource.replace('-', ' ')} ${p.name} ${p.action === 'create' ? 'to create' : `to update (${p.details.join('; ')})`}`);
}

/** `buffering: "64MB 300s" → "128MB 900s"` as an attribute change. */
function detailAttribute(detail: string): AttributeChange {
  const m = /^([^:]+): (.*) → (.*)$/s.exec(detail);
  if (!m) return { name: 'setting', from: detail, to: '' };
  return { name: FIREHOSE_ATTRIBUTE[m[1]] ?? m[1], from: m[2], to: m[3] };
}

/** `Plan: 3 to create, 1 to run, 2 unchanged.`: every kind of change that occurs, in one order. */
export function changeCounts(changes: ReadonlyMap<string, StepChange>): string {
  const counts = new Map<Change, number>();
  for (const c of changes.values()) counts.set(c.change, (counts.get(c.change) ?? 0) + 1);
  const words: Record<Change, string> = {
    create: 'to create',
    change: 'to change',
    replace: 'to replace',
    run: 'to run',
    read: 'to read',
    destroy: 'to destroy',
    unchanged: 'unchanged',
  };
  const parts = CHANGE_ORDER.filter((c) => (counts.get(c) ?? 0) > 0).map((c) => `${counts.get(c)} ${words[c]}`);
  return parts.length === 0 ? 'Plan: nothing to do.' : `Plan: ${parts.join(', ')}.`;
}
