// Producers must not drive the user's terminal: ESC sequences, BEL, carriage returns, C1 controls
// and bidirectional overrides in records come out of `wshed query` (table, csv, json) and
// `wshed tail` (every format) escaped, through the real CLI, while json keeps every value exact.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Scratch } from '../cli/helpers.ts';

const scratch = new Scratch();
writeFileSync(
  path.join(scratch.dir, 'p.wshed'),
  'stream t { shards 1 }\nstream t2 { shards 1 }\nreservoir tr { from stream t at "./reservoir/t" }\nreplay show from archive tr into stream t2\n',
);

/** Strings a hostile producer sends: clear screen, set the window title, ring, overwrite a line, CSI in C1, reversed text. */
const HOSTILE = {
  id: 1,
  s: '\u001b[2J\u001b]0;pwned\u0007red\rfake',
  c1: '\u009b31m\u202eevil\u2066',
  '\u001b[31mcol': 'x',
};
writeFileSync(path.join(scratch.dir, 'hostile.ndjson'), JSON.stringify(HOSTILE) + '\n' + JSON.stringify({ id: 2, s: 'plain', c1: 'tab\there' }) + '\n');

/** What must never reach a terminal raw (LF ends lines; TAB is harmless and CSV keeps it). */
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

test.after(() => scratch.dispose());

const ok = (args: string[]) => {
  const r = scratch.wshed(args);
  assert.is(r.code, 0, `wshed ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
};
const query = (sql: string, format: string) => ok(['query', 'p.wshed', sql, '--format', format, '--quiet']);

test('setup: hostile records are put into the stream and archived', () => {
  ok(['local', 'start', '--port', '0']);
  ok(['run', 'p.wshed']);
  assert.match(ok(['put', 't', '--file', 'hostile.ndjson', '--key', 'id']), /put 2 records/);
  ok(['archive', 'p.wshed']);
});

test('query table escapes control characters in cells and column names', () => {
  const out = query('SELECT * EXCLUDE (payload) FROM tr ORDER BY id', 'table');
  assert.not.match(out, RAW_CONTROL);
  assert.ok(out.includes('\\x1b[2J\\x1b]0;pwned\\x07red\\rfake'), out);
  assert.ok(out.includes('\\x9b31m\\u202eevil\\u2066'), out);
  assert.ok(out.includes('\\x1b[31mcol'), 'a column name from a payload key is escaped too');
  assert.ok(out.includes('tab\\there'));
});

test('query csv escapes control characters but keeps tabs and line feeds quoted', () => {
  const out = query("SELECT id, s, c1, 'a' || chr(10) || 'b' AS lf FROM tr ORDER BY id", 'csv');
  assert.not.match(out, RAW_CONTROL);
  assert.is(out, 'id,s,c1,lf\n1,\\x1b[2J\\x1b]0;pwned\\x07red\\rfake,\\x9b31m\\u202eevil\\u2066,"a\nb"\n2,plain,tab\there,"a\nb"\n');
});

test('query json and ndjson escape them as JSON does, and keep every value exact', () => {
  for (const format of ['json', 'ndjson']) {
    const out = query('SELECT id, s, c1, payload FROM tr ORDER BY id', format);
    assert.not.match(out, RAW_CONTROL, format);
    const rows = (format === 'json' ? JSON.parse(out) : out.trim().split('\n').map((l) => JSON.parse(l))) as { s: string; c1: string; payload: unknown }[];
    assert.is(rows[0].s, HOSTILE.s);
    assert.is(rows[0].c1, HOSTILE.c1);
    assert.equal(rows[0].payload, HOSTILE);
  }
});

test('tail escapes them in text, kv and template output; json keeps them exact', () => {
  const tail = (...extra: string[]) => ok(['tail', 't', '--from', 'trim-horizon', '--limit', '2', ...extra]);
  for (const extra of [[], ['--format', 'kv'], ['-f', '%k %s\\n'], ['--template', '%t %p %o %s\\n']]) {
    const out = tail(...extra);
    assert.not.match(out, RAW_CONTROL, extra.join(' '));
    assert.ok(out.includes('\\u001b[2J') || out.includes('\\x1b[2J'), `${extra.join(' ')}: ${out}`);
  }
  const json = tail('--json');
  assert.not.match(json, RAW_CONTROL);
  const records = json.trim().split('\n').map((l) => JSON.parse(l) as { data: { id: number } });
  assert.equal(records.find((r) => r.data.id === 1)!.data, HOSTILE);
});

test('a replay preview shows the data as JSON with those characters escaped', () => {
  const out = ok(['replay', 'p.wshed', 'show', '--preview', '2']);
  assert.not.match(out, RAW_CONTROL);
  assert.ok(out.includes('\\u009b31m\\u202eevil'), out);
});

test('error messages that quote a record or an input line escape it too', () => {
  const cast = scratch.wshed(['query', 'p.wshed', 'SELECT CAST(s AS INTEGER) FROM tr WHERE id = 1']);
  assert.is(cast.code, 1, cast.stderr);
  assert.match(cast.stderr, /\\x1b\[2J/, 'DuckDB quotes the value it could not convert');
  assert.not.match(cast.stderr, RAW_CONTROL);
  writeFileSync(path.join(scratch.dir, 'bad.ndjson'), '\u001b[2J\u001b]0;pwned\u0007 not json\n');
  const put = scratch.wshed(['put', 't', '--file', 'bad.ndjson']);
  assert.is(put.code, 2, put.stderr);
  assert.match(put.stderr, /bad\.ndjson:1: not valid JSON/);
  assert.not.match(put.stderr, RAW_CONTROL);
});

test.run();
