// The saved-plan file (`wshed plan --out plan.json`, applied by `wshed run plan.json`): the plan
// as computed, the target settings it was computed with, a digest of the pipeline text and the
// live state it was computed against (a fingerprint per resource, so `run` can refuse a stale
// plan, as Terraform does), under a format tag and version so no other JSON is taken for one.

import { createHash } from 'node:crypto';
import { validateTargetConfig } from '../config/validate.ts';
import type { TargetConfig } from '../target-config.ts';
import type { LiveResource, LiveState } from './changes.ts';
import { humanDuration } from './human.ts';
import { PLAN_VERSION, type Plan, type PlanStep } from './types.ts';

export const SAVED_PLAN_FORMAT = 'wshed-saved-plan';
export const SAVED_PLAN_VERSION = 1;

export interface SavedPlan {
  readonly format: typeof SAVED_PLAN_FORMAT;
  readonly version: typeof SAVED_PLAN_VERSION;
  /** sha256 of the pipeline file's text when the plan was made: `run` says when it changed. */
  readonly pipelineSha256: string;
  /** The folder the plan was made in: its relative paths (reservoir folders, the home) resolve there. */
  readonly cwd: string;
  readonly config: TargetConfig;
  readonly plan: Plan;
  /** What the plan was computed against; null when it was made offline (nothing to check). */
  readonly live: SavedLiveState | null;
}

/** The live state as saved: what was read, and one fingerprint per resource read. */
export interface SavedLiveState extends LiveState {
  /** sha256 (hex) of each read resource's plan-relevant state, by step id. */
  readonly fingerprints: Readonly<Record<string, string>>;
}

export function pipelineDigest(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function savedPlanJson(plan: Plan, config: TargetConfig, pipelineText: string, cwd: string, live: LiveState | null = null): string {
  const saved: SavedPlan = {
    format: SAVED_PLAN_FORMAT,
    version: SAVED_PLAN_VERSION,
    pipelineSha256: pipelineDigest(pipelineText),
    cwd,
    config,
    plan,
    live: live ? { ...live, fingerprints: fingerprints(live) } : null,
  };
  return JSON.stringify(saved, null, 2) + '\n';
}

/**
 * What of a resource the plan depends on: a running service's port and pid may change (a
 * restart) without changing what run does; everything else read is compared.
 */
function relevant(r: LiveResource): unknown {
  return r.kind === 'local-service' ? { kind: r.kind, running: r.running } : r;
}

export function fingerprint(r: LiveResource): string {
  return createHash('sha256').update(canonicalJson(relevant(r)), 'utf8').digest('hex');
}

export function fingerprints(live: LiveState): Record<string, string> {
  return Object.fromEntries(Object.entries(live.resources).map(([id, r]) => [id, fingerprint(r)]));
}

/** JSON with object keys sorted, so equal states hash alike whatever order a reader built them in. */
function canonicalJson(value: unknown): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(sort) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort((v as Record<string, unknown>)[k])])) : v;
  return JSON.stringify(sort(value));
}

/**
 * The resources whose live state differs from the one a saved plan was computed against, each as
 * one phrase (`stream.orders: shards 3 → 1`). Only resources read when the plan was made are
 * compared: one that cannot be read now counts as changed, since the plan was made knowing it.
 */
export function staleResources(saved: SavedLiveState, now: LiveState): string[] {
  const out: string[] = [];
  for (const [id, was] of Object.entries(saved.fingerprints)) {
    const after = now.resources[id];
    if (!after) {
      out.push(`${id}: can no longer be read${now.unknown ? ` (${now.unknown})` : ''}`);
      continue;
    }
    if (fingerprint(after) === was) continue;
    const before = saved.resources[id];
    out.push(`${id}: ${before ? difference(before, after) : 'changed'}`);
  }
  return out;
}

/** `shards 3 → 1, retention 24h → 48h`, `created`, `deleted`, `stopped`. */
function difference(before: LiveResource, after: LiveResource): string {
  const b = relevant(before) as Record<string, unknown>;
  const a = relevant(after) as Record<string, unknown>;
  if (b.exists === false && a.exists === true) return 'created since';
  if (b.exists === true && a.exists === false) return 'deleted since';
  if (b.running === true && a.running === false) return 'stopped since';
  if (b.running === false && a.running === true) return 'started since';
  const name: Record<string, string> = { openShards: 'shards', retentionHours: 'retention' };
  const shown = (k: string, v: unknown) => (k === 'retentionHours' && typeof v === 'number' ? humanDuration(v * 3600) : typeof v === 'string' || typeof v === 'number' ? String(v) : canonicalJson(v));
  const parts = [...new Set([...Object.keys(b), ...Object.keys(a)])]
    .filter((k) => canonicalJson(b[k]) !== canonicalJson(a[k]))
    .map((k) => `${name[k] ?? k} ${shown(k, b[k])} → ${shown(k, a[k])}`);
  return parts.length > 0 ? parts.join(', ') : 'changed';
}

/** True when a file given where a pipeline is expected should be read as a saved plan. */
export function looksLikeSavedPlan(fileName: string, text: string): boolean {
  return fileName.toLowerCase().endsWith('.json') || text.trimStart().startsWith('{');
}

const STEP_KINDS: ReadonlySet<PlanStep['kind']> = new Set<PlanStep['kind']>([
  'local-service', 'reservoir-folder', 'stream', 's3-location', 'firehose-delivery-stream', 'upload-cluster-resources', 'emr-cluster',
  'drill-storage-plugin', 'hive-live-table', 'ssh-tunnel', 'emr-terminate', 'archive', 'reservoir-views', 'query', 'replay',
]);

const HOW = 'write one with: wshed plan FILE.wshed --out plan.json';

/** The saved plan in `text`, or one line saying why it is not one (and how to make one). */
export function readSavedPlan(fileName: string, text: string): { saved: SavedPlan } | { error: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { error: `${fileName}: not valid JSON (${(e as Error).message}); a saved plan is the JSON that 'wshed plan --out' writes` };
  }
  const o = json as Partial<Record<keyof SavedPlan, unknown>> | null;
  if (o === null || typeof o !== 'object' || Array.isArray(o) || o.format !== SAVED_PLAN_FORMAT) {
    const hint = o && typeof o === 'object' && 'steps' in o ? " (it looks like 'wshed plan --json' output, which is for reading, not applying)" : '';
    return { error: `${fileName}: not a saved wshed plan: it has no "format": "${SAVED_PLAN_FORMAT}"${hint}; ${HOW}` };
  }
  if (o.version !== SAVED_PLAN_VERSION) {
    return { error: `${fileName}: saved plan format version ${JSON.stringify(o.version)}, but this wshed reads version ${SAVED_PLAN_VERSION}; make it again with this wshed: ${HOW}` };
  }
  const plan = o.plan as Partial<Plan> | undefined;
  const broken = planProblem(plan);
  if (broken) return { error: `${fileName}: the saved plan is damaged (${broken}); ${HOW}` };
  const { config, diagnostics } = validateTargetConfig(fileName, o.config);
  if (!config || diagnostics.some((d) => d.severity === 'error')) {
    return { error: `${fileName}: the saved plan's target settings are damaged (${diagnostics.map((d) => d.message).join('; ') || 'missing'}); ${HOW}` };
  }
  if (config.target !== plan!.target) return { error: `${fileName}: the saved plan is damaged (its settings are for '${config.target}', its plan for '${plan!.target}'); ${HOW}` };
  if (typeof o.pipelineSha256 !== 'string' || typeof o.cwd !== 'string') return { error: `${fileName}: the saved plan is damaged (no pipelineSha256 or cwd); ${HOW}` };
  const live = liveProblem(o.live);
  if (typeof live === 'string') return { error: `${fileName}: the saved plan is damaged (${live}); ${HOW}` };
  return { saved: { format: SAVED_PLAN_FORMAT, version: SAVED_PLAN_VERSION, pipelineSha256: o.pipelineSha256, cwd: o.cwd, config, plan: plan as Plan, live } };
}

/** The saved live state, or what is wrong with it. A plan saved before live state was kept has none. */
function liveProblem(live: unknown): SavedLiveState | null | string {
  if (live === undefined || live === null) return null;
  const l = live as Partial<SavedLiveState>;
  if (typeof l !== 'object' || typeof l.source !== 'string' || !l.resources || typeof l.resources !== 'object' || !l.fingerprints || typeof l.fingerprints !== 'object') return 'its live state is not one wshed wrote';
  for (const [id, f] of Object.entries(l.fingerprints)) {
    if (typeof f !== 'string' || !/^[0-9a-f]{64}$/.test(f)) return `the fingerprint of '${id}' is not a sha256`;
  }
  return l as SavedLiveState;
}

function planProblem(plan: Partial<Plan> | undefined): string | null {
  if (!plan || typeof plan !== 'object') return 'no plan';
  if (plan.version !== PLAN_VERSION) return `plan version ${JSON.stringify(plan.version)}, expected ${PLAN_VERSION}`;
  if (plan.target !== 'local' && plan.target !== 'aws') return 'no target';
  if (typeof plan.pipeline !== 'string' || typeof plan.now !== 'string') return 'no pipeline or time';
  if (!Array.isArray(plan.steps)) return 'no steps';
  const ids = new Set<string>();
  for (const [i, step] of plan.steps.entries()) {
    const s = step as Partial<PlanStep> | null;
    if (!s || typeof s !== 'object' || typeof s.id !== 'string' || !STEP_KINDS.has(s.kind as PlanStep['kind']) || !Array.isArray(s.after)) return `step ${i + 1} is not a plan step`;
    if (ids.has(s.id)) return `step id '${s.id}' appears twice`;
    for (const a of s.after) if (!ids.has(a)) return `step '${s.id}' waits for '${String(a)}', which is not an earlier step`;
    ids.add(s.id);
  }
  return null;
}
