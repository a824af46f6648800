// `wshed plan` output, in the spirit of `terraform plan`: a header, one block a step with its
// marker and key attributes, and a closing count. `sql` adds every SQL, DDL and plugin text.
// With the live state a provider read, steps show what exists: `~` an update in place with each
// differing attribute `live → declared`, `-/+` a replacement, `=` unchanged on one line, and
// "No changes." when nothing is to change. Also the JSON form of the same plan, for machines.

import { changeCounts, clusterPerRun, noResourceChanges, planChanges, type LiveState, type StepChange } from './changes.ts';
import { stepLines, type Dialect, type Line } from './render-attributes.ts';
import type { Plan } from './types.ts';

export interface RenderOptions {
  /** Which SQL to show; DuckDB unless asked otherwise. */
  readonly dialect?: Dialect;
  /** Show the SQL (and DDL, plugin configuration) and each step's `after` (`wshed plan --sql`). */
  readonly sql?: boolean;
  /** What a provider read of the target; null or absent: offline. */
  readonly live?: LiveState | null;
  /** Why the live state is not known although it was asked for (the target could not be reached). */
  readonly offlineReason?: string;
}

const MARKER: Record<StepChange['change'], string> = { create: '+', change: '~', replace: '-/+', run: '~', read: '=', destroy: '-', unchanged: '=' };
const STEP = '  ';
const ATTR = '      ';
/** A changed attribute's line: its `~` where the indent was, as terraform marks them. */
const CHANGED_ATTR = '    ~ ';
const BODY = '        ';

export function renderPlan(plan: Plan, options: RenderOptions = {}): string {
  const dialect = options.dialect ?? 'duckdb';
  const live = options.live ?? null;
  const changes = planChanges(plan, live);
  const offline = options.offlineReason ? `Live state is not known (${options.offlineReason}), so + means create when absent.` : 'Live state is not known offline, so + means create when absent.';
  const out: string[] = [
    `wshed plan for ${plan.pipeline} on target '${plan.target}' (times resolved at ${plan.now})`,
    live ? `Live state read from ${live.source}.${live.unknown ? ` ${live.unknown}, so + means create when absent there.` : ''}` : offline,
    live ? 'Markers: + create, ~ update in place or run, -/+ replace, = unchanged or read, - destroy.' : 'Markers: + create, ~ change or run, = read, - destroy.',
    '',
  ];
  for (const step of plan.steps) {
    const change = changes.get(step.id)!;
    if (change.change === 'unchanged') {
      out.push(`${STEP}= ${step.id}: unchanged${change.notes.length ? ` (${change.notes.join('; ')})` : ''}`, '');
      continue;
    }
    const notes = change.notes.length ? `  (${change.notes.join('; ')})` : '';
    out.push(`${STEP}${MARKER[change.change]} ${step.id}${notes}`);
    out.push(...renderLines(withLive(stepLines(step, dialect, options.sql ? 'full' : 'summary', { pipeline: plan.pipeline, target: plan.target }), change)));
    out.push('');
  }
  if (noResourceChanges(plan, changes, live)) {
    const data = [...changes.values()].some((c) => c.change === 'run') ? '; run only runs the data steps (~)' : '';
    const cluster = clusterPerRun(plan) ? ', and launches the cluster for them and terminates it after' : '';
    out.push(`No changes. The live state matches the pipeline${data}${data ? cluster : cluster.replace(', and launches', '; run only launches')}.`);
  }
  out.push(changeCounts(changes));
  if (!options.sql) out.push(`The SQL of each step: wshed plan ${plan.pipeline} --sql`);
  return out.join('\n') + '\n';
}

/** The closing count of a plan without live state. */
export function summary(plan: Plan, live: LiveState | null = null): string {
  return changeCounts(planChanges(plan, live));
}

type ShownLine = Line | { readonly kind: 'changed'; readonly name: string; readonly value: string };

/** Live values replace declared ones (the real port); attributes that differ show `live → declared`. */
function withLive(lines: Line[], change: StepChange): ShownLine[] {
  const differs = new Map(change.attributes.map((a) => [a.name, a]));
  const shown: ShownLine[] = lines.map((l) => {
    if (l.kind !== 'attr') return l;
    const d = differs.get(l.name);
    if (d) {
      differs.delete(l.name);
      return { kind: 'changed', name: l.name, value: `${d.from} → ${d.to}` };
    }
    const found = change.live[l.name];
    return found === undefined ? l : { ...l, value: found };
  });
  // Settings the summary does not show (a role, the processors) still show when they differ.
  for (const d of differs.values()) shown.push({ kind: 'changed', name: d.name, value: `${d.from} → ${d.to}` });
  return shown;
}

/** Attribute names are padded so the '=' signs of a step line up, as terraform does. */
function renderLines(lines: readonly ShownLine[]): string[] {
  const width = Math.max(0, ...lines.map((l) => (l.kind === 'attr' || l.kind === 'changed' ? l.name.length : 0)));
  const out: string[] = [];
  for (const line of lines) {
    if (line.kind === 'attr') out.push(`${ATTR}${line.name.padEnd(width)} = ${line.value}`);
    else if (line.kind === 'changed') out.push(`${CHANGED_ATTR}${line.name.padEnd(width)} = ${line.value}`);
    else if (line.kind === 'list') {
      out.push(`${ATTR}${line.title}:`);
      line.items.forEach((item, i) => out.push(`${BODY}${i + 1}. ${item}`));
    } else {
      out.push(`${ATTR}${line.title}:`);
      out.push(...indent(line.text));
    }
  }
  return out;
}

function indent(text: string): string[] {
  return text
    .replace(/\s+$/, '')
    .split('\n')
    .map((l) => (l.trim() === '' ? '' : `${BODY}${l.replace(/\s+$/, '')}`));
}

/** The plan as JSON: keys in the plan's own order, 2-space indent, trailing newline. */
export function planToJson(plan: Plan): string {
  return JSON.stringify(plan, null, 2) + '\n';
}
