// The diff between a plan and the live state a provider read (Terraform's "refresh"): for each
// step, whether it creates, changes, runs, reads, destroys or leaves something unchanged, and why.
// Pure: the reading is done by a provider in the runtime; without one every create is "when absent".

import { humanDuration } from './human.ts';
import type { Plan, PlanStep } from './types.ts';

/** What a provider found of one provisioning step's resource. Plain data, keyed by step id. */
export type LiveResource =
  | { readonly kind: 'local-service'; readonly running: false }
  | { readonly kind: 'local-service'; readonly running: true; readonly port: number; readonly pid: number | null }
  | { readonly kind: 'stream'; readonly exists: false }
  | { readonly kind: 'stream'; readonly exists: true; readonly openShards: number; readonly retentionHours: number }
  | { readonly kind: 'reservoir-folder'; readonly exists: boolean };

export interface LiveState {
  /** Where it was read from, for the plan's header: `the local service on 127.0.0.1:4567`. */
  readonly source: string;
  /** Steps a provider has no reading for stay "create when absent". */
  readonly resources: Readonly<Record<string, LiveResource>>;
  /** What could not be read, and so is not known (shown under the header). */
  readonly unknown?: string;
}

export type Change = 'create' | 'change' | 'unchanged' | 'run' | 'read' | 'destroy';

export interface StepChange {
  readonly change: Change;
  /** False when nothing was read (offline): a create then means "create when absent". */
  readonly known: boolean;
  /** What differs or what was found, in words: `declared 3 shards, has 1`. */
  readonly notes: readonly string[];
  /** Attributes the live state replaces (the real port of a running service). */
  readonly live: Readonly<Record<string, string>>;
}

export const CHANGE_ORDER: readonly Change[] = ['create', 'change', 'run', 'read', 'destroy', 'unchanged'];

export function planChanges(plan: Plan, live: LiveState | null): ReadonlyMap<string, StepChange> {
  const out = new Map<string, StepChange>();
  for (const step of plan.steps) out.set(step.id, stepChange(step, live?.resources[step.id], plan.target));
  return out;
}

const offline = (change: Change): StepChange => ({ change, known: false, notes: [], live: {} });
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function stepChange(step: PlanStep, found: LiveResource | undefined, target: Plan['target']): StepChange {
  if (step.action !== 'create') return offline(step.action);
  if (!found || found.kind !== step.kind) return offline('create');
  switch (found.kind) {
    case 'local-service':
      return found.running
        ? { change: 'unchanged', known: true, notes: [`running on 127.0.0.1:${found.port}${found.pid === null ? '' : `, pid ${found.pid}`}`], live: { port: String(found.port) } }
        : { change: 'create', known: true, notes: ['not running: run starts it'], live: {} };
    case 'reservoir-folder':
      return found.exists ? { change: 'unchanged', known: true, notes: ['exists'], live: {} } : { change: 'create', known: true, notes: [], live: {} };
    case 'stream': {
      if (step.kind !== 'stream') return offline('create');
      if (!found.exists) return { change: 'create', known: true, notes: [], live: {} };
      const notes: string[] = [];
      // The aws provider reshards (UpdateShardCount); the local service cannot.
      if (found.openShards !== step.shards) notes.push(`declared ${plural(step.shards, 'shard')}, has ${found.openShards}; ${target === 'aws' ? 'run reshards it' : 'run does not reshard'}`);
      if (found.retentionHours !== step.retentionHours) {
        notes.push(`retention declared ${humanDuration(step.retentionHours * 3600)}, has ${humanDuration(found.retentionHours * 3600)}; run sets it`);
      }
      const has = { shards: String(found.openShards), retention: humanDuration(found.retentionHours * 3600) };
      return notes.length > 0
        ? { change: 'change', known: true, notes, live: has }
        : { change: 'unchanged', known: true, notes: [`exists with ${plural(found.openShards, 'shard')}`], live: {} };
    }
  }
}

/** `Plan: 3 to create, 1 to run, 2 unchanged.`: every kind of change that occurs, in one order. */
export function changeCounts(changes: ReadonlyMap<string, StepChange>): string {
  const counts = new Map<Change, number>();
  for (const c of changes.values()) counts.set(c.change, (counts.get(c.change) ?? 0) + 1);
  const words: Record<Change, string> = { create: 'to create', change: 'to change', run: 'to run', read: 'to read', destroy: 'to destroy', unchanged: 'unchanged' };
  const parts = CHANGE_ORDER.filter((c) => (counts.get(c) ?? 0) > 0).map((c) => `${counts.get(c)} ${words[c]}`);
  return parts.length === 0 ? 'Plan: nothing to do.' : `Plan: ${parts.join(', ')}.`;
}
