// `wshed plan` output, in the spirit of `terraform plan`: a header, one block a step with its
// marker and key attributes, and a closing count. `sql` adds every SQL, DDL and plugin text.
// With the live state a provider read, steps show what exists (`~` for a drift, unchanged ones on
// one line). Also the JSON form of the same plan, for machines.

import { changeCounts, planChanges, type LiveState, type StepChange } from './changes.ts';
import { stepLines, type Dialect, type Line } from './render-attributes.ts';
import type { Plan, PlanStep } from './types.ts';

export interface RenderOptions {
  /** Which SQL to show; DuckDB unless asked otherwise. */
  readonly dialect?: Dialect;
  /** Show the SQL (and DDL, plugin configuration) and each step's `after` (`wshed plan --sql`). */
  readonly sql?: boolean;
  /** What a provider read of the target; null or absent: offline. */
  readonly live?: LiveState | null;
}

const MARKER: Record<StepChange['change'], string> = { create: '+', change: '~', run: '~', read: '=', destroy: '-', unchanged: ' ' };
const STEP = '  ';
const ATTR = '      ';
const BODY = '        ';

export function renderPlan(plan: Plan, options: RenderOptions = {}): string {
  const dialect = options.dialect ?? 'duckdb';
  const live = options.live ?? null;
  const changes = planChanges(plan, live);
  const out: string[] = [
    `wshed plan for ${plan.pipeline} on target '${plan.target}' (times resolved at ${plan.now})`,
    live ? `Live state read from ${live.source}.${live.unknown ? ` ${live.unknown}, so + means create when absent there.` : ''}` : 'Live state is not known offline, so + means create when absent.',
    'Markers: + create, ~ change or run, = read, - destroy.',
    '',
  ];
  for (const step of plan.steps) {
    const change = changes.get(step.id)!;
    if (change.change === 'unchanged') {
      out.push(`${STEP}  ${step.id}: unchanged${change.notes.length ? ` (${change.notes.join('; ')})` : ''}`, '');
      continue;
    }
    const notes = change.notes.length ? `  (${change.notes.join('; ')})` : '';
    out.push(`${STEP}${MARKER[change.change]} ${step.id}${notes}`);
    out.push(...renderLines(withLive(stepLines(step, dialect, options.sql ? 'full' : 'summary', { pipeline: plan.pipeline, target: plan.target }), step, change)));
    out.push('');
  }
  out.push(changeCounts(changes));
  if (!options.sql) out.push(`The SQL of each step: wshed plan ${plan.pipeline} --sql`);
  return out.join('\n') + '\n';
}

/** The closing count of a plan without live state. */
export function summary(plan: Plan, live: LiveState | null = null): string {
  return changeCounts(planChanges(plan, live));
}

/** Live values replace declared ones where they differ: `shards = 3 (has 1)`, the real port. */
function withLive(lines: Line[], step: PlanStep, change: StepChange): Line[] {
  if (Object.keys(change.live).length === 0) return lines;
  return lines.map((l) => {
    const found = l.kind === 'attr' ? change.live[l.name] : undefined;
    if (l.kind !== 'attr' || found === undefined || found === l.value) return l;
    return { ...l, value: step.kind === 'stream' ? `${l.value} (has ${found})` : found };
  });
}

/** Attribute names are padded so the '=' signs of a step line up, as terraform does. */
function renderLines(lines: readonly Line[]): string[] {
  const width = Math.max(0, ...lines.map((l) => (l.kind === 'attr' ? l.name.length : 0)));
  const out: string[] = [];
  for (const line of lines) {
    if (line.kind === 'attr') out.push(`${ATTR}${line.name.padEnd(width)} = ${line.value}`);
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
