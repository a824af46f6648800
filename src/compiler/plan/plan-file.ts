// The saved-plan file (`wshed plan --out plan.json`, applied by `wshed run plan.json`): the plan
// as computed, the target settings it was computed with and a digest of the pipeline text, under
// a format tag and version so that no other JSON (nor a newer format) is ever taken for one.

import { createHash } from 'node:crypto';
import { validateTargetConfig } from '../config/validate.ts';
import type { TargetConfig } from '../target-config.ts';
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
}

export function pipelineDigest(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function savedPlanJson(plan: Plan, config: TargetConfig, pipelineText: string, cwd: string): string {
  const saved: SavedPlan = { format: SAVED_PLAN_FORMAT, version: SAVED_PLAN_VERSION, pipelineSha256: pipelineDigest(pipelineText), cwd, config, plan };
  return JSON.stringify(saved, null, 2) + '\n';
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
  return { saved: { format: SAVED_PLAN_FORMAT, version: SAVED_PLAN_VERSION, pipelineSha256: o.pipelineSha256, cwd: o.cwd, config, plan: plan as Plan } };
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
