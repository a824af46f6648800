// The Hive path on the cluster: the DDL of a stream's external table over EMR's Kinesis storage
// handler as golden text (Hive cannot run here), and the Drill SQL that reads that table held
// against it — every column it reads exists in the table, from the table the DDL creates.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { compile } from '../../src/compiler/compile.ts';
import type { HiveLiveTableStep } from '../../src/compiler/plan/types.ts';
import type { AwsTargetConfig } from '../../src/compiler/target-config.ts';
import { defaultConfig, GOLDEN_NOW } from '../golden/harness.ts';

const GOLDEN = path.resolve('test/runtime/golden');

function hiveSteps(): HiveLiveTableStep[] {
  const text = `stream orders { shards 2 }
reservoir orders_archive { from stream orders at "s3://acme-lake/reservoir/orders" }
replay rebuild from archive+live orders_archive into stream orders_rebuilt
stream orders_rebuilt { shards 1 }`;
  const result = compile({ path: 'orders.wshed', text }, { config: { ...(defaultConfig('aws') as AwsTargetConfig), bucket: 'acme-lake' }, now: GOLDEN_NOW });
  if (!result.plan) throw new Error(result.diagnostics.map((d) => d.message).join('\n'));
  return result.plan.steps.filter((s): s is HiveLiveTableStep => s.kind === 'hive-live-table');
}

function golden(name: string, actual: string): void {
  const file = path.join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) writeFileSync(file, actual);
  assert.fixture(actual, readFileSync(file, 'utf8'));
}

test('the Hive DDL of a live stream: external table, Kinesis storage handler, one STRING column, stream and region', () => {
  const [step] = hiveSteps();
  assert.ok(step, 'a replay including live gets the Hive table');
  golden('hive-live-table.orders.hql', `${step!.ddl};\n`);
  golden('drill-stream-view.orders.sql', `${step!.drillView.sql};\n`);
});

/** Column names of the CREATE TABLE, in order. */
function ddlColumns(ddl: string): string[] {
  const body = /CREATE EXTERNAL TABLE[^(]*\(([\s\S]*?)\n\)/.exec(ddl)?.[1] ?? '';
  return body.split(',').map((c) => /`([^`]+)`\s+\w+/.exec(c.trim())?.[1] ?? '').filter(Boolean);
}

test('the Drill view reads only columns the Hive table has, from the table the DDL creates', () => {
  for (const step of hiveSteps()) {
    const columns = ddlColumns(step.ddl);
    assert.equal(columns, ['payload']);
    const table = /CREATE EXTERNAL TABLE IF NOT EXISTS `([^`]+)`\.`([^`]+)`/.exec(step.ddl)!;
    assert.match(step.drillView.sql, `FROM \`hive\`.\`${table[1]}\`.\`${table[2]}\` AS t`);
    const read = [...step.drillView.sql.matchAll(/\bt\.`([^`]+)`/g)].map((m) => m[1]);
    assert.ok(read.length > 0);
    for (const c of read) assert.ok(columns.includes(c!), `the view reads ${c}, which the Hive table lacks`);
    // Whoever reads the view is told what it lacks.
    assert.match(step.drillView.sql, 'no metadata');
  }
});

test('no Drill SQL of the plan reads a Hive column the DDL lacks; the views and replays read live records from the snapshot', () => {
  const text = `stream orders { shards 2 }
reservoir orders_archive { from stream orders at "s3://acme-lake/reservoir/orders" }
replay rebuild from archive+live orders_archive into stream orders_rebuilt
  where status = 'shipped'
  compact by key order_id
replay tail from live orders_archive into stream orders_rebuilt
stream orders_rebuilt { shards 1 }`;
  const result = compile({ path: 'orders.wshed', text }, { config: { ...(defaultConfig('aws') as AwsTargetConfig), bucket: 'acme-lake' }, now: GOLDEN_NOW });
  const steps = result.plan!.steps;
  const tables = new Map<string, string[]>();
  for (const s of steps) {
    if (s.kind !== 'hive-live-table') continue;
    const t = /CREATE EXTERNAL TABLE IF NOT EXISTS `([^`]+)`\.`([^`]+)`/.exec(s.ddl)!;
    tables.set(`${t[1]}.${t[2]}`, ddlColumns(s.ddl));
  }
  assert.ok(tables.size > 0);
  const drillSql: { what: string; sql: string }[] = [];
  for (const s of steps) {
    if (s.kind === 'reservoir-views') for (const v of s.views) drillSql.push({ what: `view ${v.name}`, sql: v.sql.drill });
    if (s.kind === 'replay') drillSql.push({ what: `replay ${s.name}`, sql: s.sql.drill });
    if (s.kind === 'query') drillSql.push({ what: `query ${s.name}`, sql: s.sql.drill });
    if (s.kind === 'hive-live-table') drillSql.push({ what: `view ${s.drillView.name}`, sql: s.drillView.sql });
  }
  for (const { what, sql } of drillSql) {
    // Every relation of the hive plugin: a table the DDL creates, read only through columns it has.
    for (const m of sql.matchAll(/`hive`\.`([^`]+)`\.`([^`]+)`(?: AS `?(\w+)`?)?/g)) {
      const columns = tables.get(`${m[1]}.${m[2]}`);
      assert.ok(columns, `${what} reads hive.${m[1]}.${m[2]}, which no DDL of the plan creates`);
      const alias = m[3] ?? 't';
      for (const c of sql.matchAll(new RegExp(`\\b\`?${alias}\`?\\.\`([^\`]+)\``, 'g'))) {
        assert.ok(columns!.includes(c[1]!), `${what} reads ${c[1]} from Hive, which the table lacks`);
      }
    }
  }
  // The metadata the de-duplication needs is not in Hive: the reservoir views and replays read the snapshot relation.
  for (const { what, sql } of drillSql.filter((d) => !d.what.endsWith('_stream'))) {
    assert.not.match(sql, '`hive`.', `${what} must not read the Hive table`);
    if (/_live|rebuild|tail|orders_archive$/.test(what)) assert.match(sql, '`wshed_live_orders_archive`', what);
  }
});

test.run();
