// A payload's archived text written as DuckDB writes it back (replay/duckdb-json.ts), held to the
// real DuckDB: each payload read by read_json (a JSON column, as a replay on DuckDB reads it)
// comes out of DuckDB exactly as duckdbJsonText writes it. A replay on Drill relies on it to emit
// the bytes a replay on DuckDB emits.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { duckdbJsonText } from '../../src/runtime/replay/duckdb-json.ts';

const HARD = [
  '{ "a" : 1.0, "b":1e5, "c":-0, "d":1234567890123456789012345, "e":"\\u00e9\\"x", "f":{"g":[1, 2],"l":[{"h":null}]}, "a":2 , "i": 1E+2, "j":0.10, "k":"é"}',
  '{"v":[1e20,1e21,1e22,1.5e300,1e-6,1e-7,123.456e-10,5e-324,1.7976931348623157e308,-1.5,0.0,-0.0,-0,1E+2]}',
  '{"v":[9007199254740993,18446744073709551615,18446744073709551616,-9223372036854775808,-9223372036854775809,1.0e400,-1e-400,12345678901234567890.5]}',
  '{"v":["\\u2028x","\\/","\\b\\f\\n\\r\\t","\\u0001\\u001f\\u007f","\\ud83d\\ude00","😀","\\u0000","\u007f","<>&\'","\\\\","a\\\\\\"b"]}',
  '[1, {"a": true, "b": false, "c": null}]',
  '"just a string"',
  '-12.5e-3',
  '{}',
  '{"empty":[], "nested":{"deeper":{"deepest":[[],[{}]]}}}',
];

/** Numbers of every magnitude, written in several ways: the double formatting is where writers differ. */
function randomNumbers(count: number): string[] {
  let seed = 12345;
  const next = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const out: string[] = [];
  for (let k = 0; k < count; k++) {
    const exponent = Math.floor(next() * 80) - 40;
    const value = (next() - 0.5) * 10 ** exponent;
    const forms = [String(value), value.toExponential(), value.toFixed(Math.max(0, Math.min(20, -exponent + 3))), value.toPrecision(1 + Math.floor(next() * 20))];
    out.push(forms[k % forms.length]!.replace(/^(-?)0+(\d)/, '$1$2'));
  }
  return out.filter((t) => /^-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?$/.test(t));
}

test('every payload comes out of DuckDB as duckdbJsonText writes it', async () => {
  const payloads = [...HARD, ...randomNumbers(4000).map((n) => `{"n":${n}}`)];
  const dir = await mkdtemp(path.join(os.tmpdir(), 'wshed-duckdb-json-'));
  try {
    const file = path.join(dir, 'p.json');
    await writeFile(file, payloads.map((p, i) => `{"i":${i},"payload":${p}}\n`).join(''));
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const result = await connection.runAndReadAll(`SELECT i, payload::VARCHAR FROM read_json('${file}', format = 'newline_delimited', columns = {i: 'INTEGER', payload: 'JSON'}) ORDER BY i`);
    const rows = result.getRows();
    assert.is(rows.length, payloads.length);
    for (const [i, text] of rows) assert.is(duckdbJsonText(payloads[Number(i)]!), text, `payload ${payloads[Number(i)]}`);
    connection.closeSync();
    instance.closeSync();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test.run();
