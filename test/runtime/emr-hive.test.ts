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

test.run();
