// Every SQL the runtime runs goes through the SqlEngine interface: query, replay and the Parquet
// conversion alike. Only the DuckDB engine's own files (query/duckdb-*.ts) talk to DuckDB, so a
// second engine (Drill) can stand behind the same interface.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? sources(full) : e.name.endsWith('.ts') ? [full] : [];
  });
}

test('only the DuckDB engine imports DuckDB: replay, archive and service code use the SqlEngine', () => {
  const importers = sources(src)
    .filter((file) => /from '@duckdb\/node-api'/.test(fs.readFileSync(file, 'utf8')))
    .map((file) => path.relative(src, file));
  assert.ok(importers.length > 0, 'the DuckDB engine imports it');
  assert.equal(importers.filter((f) => !/^runtime\/query\/duckdb-[a-z-]+\.ts$/.test(f)), []);
  for (const file of ['runtime/replay/source.ts', 'runtime/archive/parquet.ts']) {
    assert.match(fs.readFileSync(path.join(src, file), 'utf8'), /SqlEngine/, `${file} runs its SQL on the SqlEngine`);
  }
});

test.run();
