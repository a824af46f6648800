// Drill cannot run here, so these tests check SQL text only: each case states its input and the
// exact DuckDB and Drill text side by side (the DuckDB text of the same shapes is run by other tests).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Expr } from '../../src/compiler/ast.ts';
import type { ReplayModel, ReservoirModel } from '../../src/compiler/model.ts';
import { drill, duckdb } from '../../src/compiler/sql/dialects/index.ts';
import { replaySql, whereText } from '../../src/compiler/sql/index.ts';
import { WhereLowering } from '../../src/compiler/sql/lower-where.ts';
import { printExpr } from '../../src/compiler/sql/print.ts';
import {
  b, between, cmp, field, fieldKey, inList, isNull, like, meta, n, naming, not, nul, or, paren, replayModel, reservoirModel, s, streamModel,
} from './models.ts';

const DOUBLE_SHAPE = "'^[-+]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][-+]?[0-9]+)?$'";

/** [canonical .wshed text, expression, DuckDB, Drill] */
const WHERE: [string, Expr, string, string][] = [
  [
    "status = 'shipped'",
    cmp(field('status'), '=', s('shipped')),
    "json_extract_string(t.payload, '/status') = 'shipped'",
    "CAST(`t`.`payload`.`status` AS VARCHAR(65535)) = 'shipped'",
  ],
  [
    'total > 100',
    cmp(field('total'), '>', n(100)),
    "TRY_CAST(json_extract_string(t.payload, '/total') AS DOUBLE) > 100",
    `CASE WHEN REGEXP_MATCHES(CAST(\`t\`.\`payload\`.\`total\` AS VARCHAR(65535)), ${DOUBLE_SHAPE}) THEN CAST(\`t\`.\`payload\`.\`total\` AS DOUBLE) END > 100`,
  ],
  [
    'flag = true',
    cmp(field('flag'), '=', b(true)),
    "CASE WHEN json_type(t.payload, '/flag') = 'BOOLEAN' THEN CAST(json_extract_string(t.payload, '/flag') AS BOOLEAN) END = TRUE",
    "CASE WHEN REGEXP_MATCHES(CAST(`t`.`payload`.`flag` AS VARCHAR(65535)), '^(true|false)$') THEN CAST(`t`.`payload`.`flag` AS BOOLEAN) END = TRUE",
  ],
  [
    'customer.region is null',
    isNull(field('customer', 'region')),
    "json_extract_string(t.payload, '/customer/region') IS NULL",
    '`t`.`payload`.`customer`.`region` IS NULL',
  ],
  [
    "status in ('a', null)",
    inList(field('status'), [s('a'), nul]),
    "json_extract_string(t.payload, '/status') IN ('a') OR json_extract_string(t.payload, '/status') IS NULL",
    "CAST(`t`.`payload`.`status` AS VARCHAR(65535)) IN ('a') OR `t`.`payload`.`status` IS NULL",
  ],
  [
    "not (a = 1 or b like 'x%')",
    not(paren(or(cmp(field('a'), '=', n(1)), like(field('b'), 'x%')))),
    "NOT (TRY_CAST(json_extract_string(t.payload, '/a') AS DOUBLE) = 1 OR json_extract_string(t.payload, '/b') LIKE 'x%')",
    `NOT (CASE WHEN REGEXP_MATCHES(CAST(\`t\`.\`payload\`.\`a\` AS VARCHAR(65535)), ${DOUBLE_SHAPE}) THEN CAST(\`t\`.\`payload\`.\`a\` AS DOUBLE) END = 1 OR CAST(\`t\`.\`payload\`.\`b\` AS VARCHAR(65535)) LIKE 'x%')`,
  ],
  [
    '@sequence_number > 123',
    cmp(meta('sequence_number'), '>', n(123)),
    `lpad(t.sequence_number, 64, '0') > '${'123'.padStart(64, '0')}'`,
    `LPAD(\`t\`.\`sequence_number\`, 64, '0') > '${'123'.padStart(64, '0')}'`,
  ],
  [
    "@arrival_time between '2026-11-01' and '2026-11-02'",
    between(meta('arrival_time'), s('2026-11-01'), s('2026-11-02')),
    "t.arrival_time BETWEEN '2026-11-01' AND '2026-11-02'",
    "`t`.`arrival_time` BETWEEN '2026-11-01' AND '2026-11-02'",
  ],
];

for (const [wshed, expr, expectedDuckdb, expectedDrill] of WHERE) {
  test(`text only: where ${wshed}`, () => {
    assert.is(whereText(expr), wshed);
    const lowered = new WhereLowering('t').lower(expr);
    assert.is(printExpr(lowered, duckdb), expectedDuckdb);
    assert.is(printExpr(lowered, drill), expectedDrill);
  });
}

/** Whole queries, golden files beside this test: `golden/<case>.<dialect>.sql`. */
const QUERIES: { file: string; name: string; replay: Partial<ReplayModel>; reservoir: Partial<ReservoirModel> }[] = [
  {
    file: 'parquet-daily-s3-bounds-limit',
    name: 'daily Parquet archive on S3, one day pruned, bounds, limit',
    replay: { since: '2026-11-01T05:00:00.000Z', until: '2026-11-02T00:00:00.000Z', limit: 100 },
    reservoir: { format: 'parquet', partition: 'daily', location: { kind: 's3', bucket: 'acme-data', prefix: 'lake/orders/' } },
  },
  {
    file: 'live-compact-nested-key',
    name: 'live records compacted by a nested key (QUALIFY lowered for Drill)',
    replay: { source: 'live', compactBy: fieldKey('customer', 'id') },
    reservoir: {},
  },
  {
    file: 'archive-live-dedupe',
    name: 'archive and live unioned and de-duplicated',
    replay: { source: 'archive+live' },
    reservoir: {},
  },
  {
    file: 'everything',
    name: 'archive+live, bounds, compaction by a metadata key, where, limit',
    replay: {
      source: 'archive+live',
      since: '2026-11-01T00:00:00.000Z',
      until: '2026-11-08T00:00:00.000Z',
      compactBy: { kind: 'meta', name: 'partition_key' },
      where: cmp(field('status'), '=', s('shipped')),
      limit: 5000,
    },
    reservoir: { archive: { via: 'firehose', bufferBytes: 64_000_000, bufferSeconds: 300 } },
  },
];

const GOLDEN = path.join(path.dirname(fileURLToPath(import.meta.url)), 'golden');

for (const q of QUERIES) {
  test(`text only: ${q.name}`, () => {
    const { sql } = replaySql(replayModel(q.replay), reservoirModel(q.reservoir), streamModel(), naming);
    for (const dialect of ['duckdb', 'drill'] as const) {
      const file = path.join(GOLDEN, `${q.file}.${dialect}.sql`);
      // WSHED_ACCEPT=1 rewrites the golden files; read the diff before committing it.
      if (process.env.WSHED_ACCEPT === '1') fs.writeFileSync(file, sql[dialect] + '\n');
      assert.fixture(sql[dialect] + '\n', fs.readFileSync(file, 'utf8'), `${q.file}.${dialect}.sql`);
    }
  });
}

test.run();
