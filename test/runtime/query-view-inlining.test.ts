// A query naming only the reservoir's views gets their bodies in its text, as subqueries
// (view-inlining.ts), instead of views DuckDB binds once more on creation. It must answer exactly
// what the created views answer (the same query inside a CTE, which keeps the views, is the
// reference), name its columns the same, and report a mistake on the text as written.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Writable } from 'node:stream';
import type { Plan } from '../../src/compiler/plan/types.ts';
import { openDuckDbEngine } from '../../src/runtime/query/duckdb-engine.ts';
import type { OutputFormat } from '../../src/runtime/query/output.ts';
import { runQuery } from '../../src/runtime/query/run-query.ts';
import type { SqlEngine } from '../../src/runtime/query/sql-engine.ts';
import { openReservoirStore } from '../../src/runtime/reservoir/open-store.ts';
import { RuntimeError } from '../../src/runtime/runtime-error.ts';
import { archivedReservoir } from './helpers/archived-reservoir.ts';
import type { TempDir } from './helpers/local-kinesis.ts';

let dir: TempDir;
let plan: Plan;
const PAYLOADS = ['{"n":1,"status":"open"}', '{"n":2,"status":"shipped"}', '{"n":3,"status":"open","note":"é"}', '{"n":4}', '[1]'];

test.before(async () => {
  ({ dir, plan } = await archivedReservoir('wshed-inline-', PAYLOADS));
});
test.after(async () => {
  await dir.remove();
});

/** The output, columns, and whether the views were created (CREATE VIEW) or placed in the query DuckDB ran. */
async function render(sql: string, format: OutputFormat = 'ndjson'): Promise<{ text: string; columns: string[]; created: boolean; inlined: boolean }> {
  let text = '';
  let created = false;
  let inlined = false;
  const out = new Writable({ write: (chunk: Buffer, _e, done) => ((text += chunk.toString('utf8')), done()) });
  const runtime = {
    openSqlEngine: async (): Promise<SqlEngine> => {
      const engine = await openDuckDbEngine({ threads: 2, memoryLimit: '256MB' });
      const exec = engine.exec.bind(engine);
      engine.exec = (statement: string) => ((created ||= /^CREATE VIEW/.test(statement)), exec(statement));
      // A view's body reads the archive with read_json: in the statement the answer comes from only when inlined.
      const ran = (statement: string) => (inlined ||= statement.includes('read_json('));
      const stream = engine.stream.bind(engine);
      engine.stream = (statement: string, options) => (ran(statement), stream(statement, options));
      const lines = engine.streamJsonLines?.bind(engine);
      if (lines) engine.streamJsonLines = (statement: string, options) => (ran(statement), lines(statement, options));
      return engine;
    },
    store: (reservoir: string, location: Parameters<typeof openReservoirStore>[1]) => openReservoirStore(reservoir, location, dir.path),
  };
  const { columns } = await runQuery({ plan, cwd: dir.path, streams: null, sql, format, out, runtime } as Parameters<typeof runQuery>[0]);
  return { text, columns, created, inlined };
}

/** The reference: the same query inside a CTE, which view-inlining.ts never rewrites. */
const asCte = (sql: string) => `WITH q AS (${sql}) SELECT * FROM q`;

test('queries of the views answer with the views in their text as they do over created views, in every format', async () => {
  const queries = [
    'SELECT * FROM r',
    'SELECT n, status FROM r WHERE status = \'open\' ORDER BY n',
    // Qualified by the view's name, by an alias, and a whole row as a value.
    'SELECT r.n, r."status" FROM r ORDER BY r.n',
    'SELECT o.n FROM r AS o ORDER BY 1',
    'SELECT x, o.status FROM r o(a, b, c, d, e, f, x) ORDER BY 1',
    'SELECT to_json(r) AS whole FROM r ORDER BY r.n',
    // Quoted and in other cases, one view twice, two views, a subquery in an expression, a set operation.
    'SELECT count(*) AS c FROM "r", R AS b WHERE "r".n = b.n',
    'SELECT a.n, b._partition_key FROM r AS a JOIN r_archived AS b USING (_sequence_number) ORDER BY a.n',
    'SELECT n FROM r WHERE n > (SELECT avg(n) FROM r_archived) ORDER BY n',
    'SELECT n FROM r UNION ALL SELECT n FROM r_archived ORDER BY n',
    // Text before the name that is not ASCII: DuckDB's positions count bytes.
    "SELECT 'é€😀' AS s, note FROM r WHERE note = 'é'",
    "SELECT n /* r r_archived */ FROM\n  r -- r\n ORDER BY n LIMIT 2",
  ];
  for (const sql of queries) {
    for (const format of ['ndjson', 'table', 'csv'] as const) {
      const inlined = await render(sql, format);
      const reference = await render(asCte(sql), format);
      assert.ok(inlined.inlined && !inlined.created, `inlined: ${sql}`);
      assert.ok(reference.created && !reference.inlined, `created: ${sql}`);
      assert.is(inlined.text, reference.text, sql);
      assert.equal(inlined.columns, reference.columns, sql);
    }
  }
  assert.match((await render("SELECT 'é€😀' AS s, note FROM r WHERE note = 'é'")).text, /"s":"é€😀","note":"é"/);
});

test('a query the bodies could read differently gets the views created, and the same answer', async () => {
  const cases = [
    // A CTE (its names would reach into a body), a schema, a table function, a catalog table, the
    // view's name as a string or function argument.
    'WITH archive AS (SELECT 1 AS n) SELECT r.n FROM r, archive ORDER BY 1',
    'SELECT n FROM main.r ORDER BY n',
    "SELECT n FROM r, range(1) ORDER BY n",
    "SELECT n, (SELECT count(*) FROM duckdb_views() WHERE view_name = 'r') AS views FROM r ORDER BY n",
    "SELECT n FROM r WHERE 'r' = 'r' ORDER BY n",
  ];
  for (const sql of cases) {
    const a = await render(sql);
    assert.ok(a.created && !a.inlined, sql);
  }
  // The view exists for the catalog: it was created.
  assert.match((await render(cases[3])).text, /"views":1/);
  assert.match((await render(cases[0])).text, /^\{"n":1\}\n\{"n":2\}/);
});

test('a mistake is reported on the text as written, at its position', async () => {
  for (const [sql, caret] of [
    ['SELECT nosuch FROM r', 7],
    ["SELECT 'é' AS s, nosuch FROM r", 17],
  ] as const) {
    const err = await render(sql).then(
      () => null,
      (e: unknown) => e,
    );
    assert.instance(err, RuntimeError, sql);
    const message = (err as Error).message;
    assert.match(message, /Referenced column "nosuch" not found/);
    assert.ok(message.includes(`LINE 1: ${sql}\n${' '.repeat(8 + caret)}^`), message);
    assert.not.match(message, /read_json|struct_extract|json_transform/);
  }
});

test.run();
