// `wshed plan` output, in the spirit of `terraform plan`: a header, each step with its marker and
// attributes, and a closing count. Also the JSON form of the same plan, for machines.

import { stepLines, type Dialect, type Line } from './render-attributes.ts';
import type { Plan, PlanAction } from './types.ts';

export interface RenderOptions {
  /** Which SQL to show; DuckDB unless asked otherwise. */
  readonly dialect?: Dialect;
}

const MARKER: Record<PlanAction, string> = { create: '+', run: '~', read: '=', destroy: '-' };
const STEP = '  ';
const ATTR = '      ';
const BODY = '        ';

export function renderPlan(plan: Plan, options: RenderOptions = {}): string {
  const dialect = options.dialect ?? 'duckdb';
  const out: string[] = [
    `wshed plan for ${plan.pipeline} on target '${plan.target}' (times resolved at ${plan.now})`,
    'Live state is not known offline, so + means create when absent.',
    'Markers: + create, ~ run, = read, - destroy.',
    '',
  ];
  for (const step of plan.steps) {
    out.push(`${STEP}${MARKER[step.action]} ${step.id}`);
    out.push(...renderLines(stepLines(step, dialect)));
    out.push('');
  }
  out.push(summary(plan));
  return out.join('\n') + '\n';
}

export function summary(plan: Plan): string {
  const count = (a: PlanAction) => plan.steps.filter((s) => s.action === a).length;
  return `Plan: ${count('create')} to create, ${count('run')} to run, ${count('read')} to read, ${count('destroy')} to destroy.`;
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
