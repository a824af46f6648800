// Hand-built models and the shipped target settings, shared by the plan tests, plus a check that
// a plan's `after` edges only point backwards (so the step order is a valid execution order).

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Expr } from '../../src/compiler/ast.ts';
import { validateTargetConfig } from '../../src/compiler/config/validate.ts';
import type { Model, ReplayModel, ReservoirModel, StreamModel } from '../../src/compiler/model.ts';
import type { Plan } from '../../src/compiler/plan/types.ts';
import type { AwsTargetConfig, LocalTargetConfig } from '../../src/compiler/target-config.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const NOW = new Date('2026-11-27T12:00:00.000Z');
const at = (start: number) => ({ start, end: start + 10 });

export function confJson(target: 'local' | 'aws'): unknown {
  return JSON.parse(readFileSync(path.join(ROOT, 'conf', `${target}.json`), 'utf8'));
}

export function localConfig(): LocalTargetConfig {
  const { config } = validateTargetConfig('conf/local.json', confJson('local'));
  if (config?.target !== 'local') throw new Error('conf/local.json does not validate');
  return config;
}

export function awsConfig(patch: Partial<AwsTargetConfig> = {}): AwsTargetConfig {
  const { config } = validateTargetConfig('conf/aws.json', confJson('aws'));
  if (config?.target !== 'aws') throw new Error('conf/aws.json does not validate');
  return { ...config, ...patch };
}

export const orders: StreamModel = { name: 'orders', shards: 2, retentionHours: 24, key: { kind: 'field', path: ['order_id'] }, span: at(0) };
export const ordersRebuilt: StreamModel = { name: 'orders_rebuilt', shards: 1, retentionHours: 24, key: null, span: at(20) };

export const ordersArchive: ReservoirModel = {
  name: 'orders_archive',
  stream: 'orders',
  location: { kind: 'local', path: './.wshed/reservoir/orders_archive' },
  format: 'json',
  partition: 'hourly',
  archive: { via: 'archiver', everySeconds: 3600 },
  span: at(40),
};

export const ordersFirehose: ReservoirModel = {
  name: 'orders_fh',
  stream: 'orders',
  location: { kind: 'local', path: './.wshed/reservoir/orders_fh' },
  format: 'json',
  partition: 'hourly',
  archive: { via: 'firehose', bufferBytes: 64 * 1024 ** 2, bufferSeconds: 300 },
  span: at(60),
};

const paid: Expr = {
  kind: 'compare',
  op: '=',
  left: { kind: 'field', segments: [{ name: 'status', quoted: false, span: at(100) }], span: at(100) },
  right: { kind: 'string', value: 'paid', quote: 'single', span: at(110) },
  span: at(100),
};

export const rebuild: ReplayModel = {
  name: 'rebuild',
  named: true,
  source: 'archive+live',
  reservoir: 'orders_archive',
  stream: 'orders',
  into: 'orders_rebuilt',
  where: paid,
  since: '2026-11-20T00:00:00.000Z',
  until: '2026-11-27T00:00:00.000Z',
  compactBy: { kind: 'field', path: ['order_id'] },
  annotate: [{ key: 'reason', value: 'backfill' }],
  ratePerSecond: 500,
  limit: 1000,
  aggregate: false,
  partitionKey: { kind: 'meta', name: 'partition_key' },
  span: at(80),
};

export function model(extra: Partial<Model> = {}): Model {
  return {
    streams: [orders, ordersRebuilt],
    reservoirs: [ordersArchive],
    queries: [{ name: 'big_customers', sql: 'SELECT payload.customer AS customer, count(*) AS n FROM orders_archive GROUP BY 1', span: at(70) }],
    replays: [rebuild],
    ...extra,
  };
}

/** Problems with the step order: unknown or forward `after` edges, repeated ids. */
export function orderProblems(plan: Plan): string[] {
  const seen = new Set<string>();
  const problems: string[] = [];
  for (const step of plan.steps) {
    if (seen.has(step.id)) problems.push(`${step.id} appears twice`);
    for (const dep of step.after) if (!seen.has(dep)) problems.push(`${step.id} waits for ${dep}, which is not an earlier step`);
    seen.add(step.id);
  }
  return problems;
}

export const ids = (plan: Plan) => plan.steps.map((s) => s.id);
export const step = <K extends Plan['steps'][number]['kind']>(plan: Plan, id: string, kind: K) => {
  const found = plan.steps.find((s) => s.id === id);
  if (!found || found.kind !== kind) throw new Error(`no ${kind} step '${id}' in ${ids(plan).join(', ')}`);
  return found as Extract<Plan['steps'][number], { kind: K }>;
};
