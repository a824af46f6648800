// Drill's answers read to the json/ndjson text by the fast paths of drill-json-lines.ts (the row
// patterns, the copying pass) give exactly what the careful path gives (each value read as a
// SqlValue by drill-values.ts, written by output.ts's row writer): over generated rows full of
// escapes, surrogates, control characters, NaN, huge and negative-zero numbers, timestamps, nested
// maps and lists, whitespace and keys out of order, however the body is cut into pieces.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Writable } from 'node:stream';
import { jsonLineRows } from '../../src/runtime/drill/drill-json-lines.ts';
import { shortestDouble } from '../../src/runtime/drill/drill-json-lines.ts';
import { valueRows } from '../../src/runtime/drill/drill-values.ts';
import { DrillResponseParser } from '../../src/runtime/drill/response-parser.ts';
import { createJsonLineWriter, createRowWriter } from '../../src/runtime/query/output.ts';
import { SqlError } from '../../src/runtime/query/sql-engine.ts';
// mulberry32, seeded: a failure names a seed that shows it again.
import { random } from '../../src/demo/sample-orders.ts';

const test = suite('Drill answers to JSON text: fast paths = careful path');

const COLUMNS = ['s', 'id', 'ts', 'map', 'f', 'dt', 'tm', 'dec', 'list', 'tsl', 'n'];
const TYPES = ['VARCHAR', 'BIGINT', 'TIMESTAMP', 'MAP', 'FLOAT8', 'DATE', 'TIME', 'VARDECIMAL', 'BIGINT', 'TIMESTAMP', 'INT'];

/** String texts as Drill may write them (JSON, escapes included) and some it never would (raw controls). */
const STRINGS = [
  '"plain"', '""', '"é ünï"', '"\\"quoted\\""', '"back\\\\slash"', '"line\\nfeed"', '"tab\\there"', '"\\u0007bell"', '"\\u001b[31m"',
  '"\\ud83d\\ude00"', '"\ud83d\ude00 raw"', '"\\ud800 lone"', '"\\udc00"', '"\\/slash"', '"del\u007f"', '"sep\u2028"', '"bidi\u202e"',
  '"\u0080c1"', '"x,\\"}]y"', '"\\n,{"', '"}"', '"]"', '":"', '"NaN"', '"Infinity"', '"-Infinity"', '"raw\ttab"', '"raw\rcr"', '"12"',
];
const INTEGERS = ['0', '-0', '5', '-5', '10', '123456789012345', '-123456789012345', '1234567890123456', '9007199254740991', '9007199254740993', '-9223372036854775808', '9223372036854775807', '007', '1.5', '1e3', '-1E+2'];
const DOUBLES = [
  '99.5', '136.0', '1.0', '0.0', '-0.0', '-0', '0', '5', '-5', '0.1', '0.000001', '0.0000001', '1.0E-7', '1.0E7', '1.0E21', '1e21', '1.2345678901234567', '123456789012345.6',
  '12345678901234.5', '0.30000000000000004', '1.7976931348623157E308', '4.9E-324', '2.5e-3', '100', '1234567890123456789', '-12.75', '1.50', '0.5', '.5', '5.', '"NaN"', '"Infinity"', '"-Infinity"',
];
const TIMESTAMPS = ['1767225600000', '1767225600120', '1767225600001', '1767225600999', '1767225601500', '0', '-1', '-86400001', '253402300799999', '253402300800000', '1767225600000.5', '1.7672256E12'];
const DECIMALS = ['12.50', '-1234567890123456.78', '0.00', '123456789012345', '1234567890123456', '-0.5', '1E+5'];

function pick<T>(rnd: () => number, items: readonly T[]): T {
  return items[Math.floor(rnd() * items.length)];
}

/** A nested value (maps read as 'any': every number kept, big ones as strings). */
function nestedValue(rnd: () => number, depth: number): string {
  const r = rnd();
  if (depth <= 0 || r < 0.45) return pick(rnd, [...STRINGS, ...INTEGERS, ...DOUBLES.filter((d) => !d.startsWith('"')), 'true', 'false', 'null']);
  if (r < 0.8) {
    const n = Math.floor(rnd() * 4);
    const entries = Array.from({ length: n }, () => `${pick(rnd, ['"a"', '"b"', '"id"', '"s"', '"x\\"y"', '"é"', '"ts"'])}:${nestedValue(rnd, depth - 1)}`);
    return `{${entries.join(',')}}`;
  }
  const n = Math.floor(rnd() * 4);
  return `[${Array.from({ length: n }, () => nestedValue(rnd, depth - 1)).join(',')}]`;
}

/** A tricky value for column `k`, as Drill may write it (or not quite). */
function tricky(rnd: () => number, k: number): string {
  switch (COLUMNS[k]) {
    case 's':
      return rnd() < 0.9 ? pick(rnd, STRINGS) : 'null';
    case 'id':
    case 'n':
      return rnd() < 0.9 ? pick(rnd, INTEGERS) : 'null';
    case 'ts':
      return rnd() < 0.9 ? pick(rnd, TIMESTAMPS) : pick(rnd, ['null', '"2026-01-01"']);
    case 'map':
      return rnd() < 0.9 ? nestedValue(rnd, 1 + Math.floor(rnd() * 5)) : 'null';
    case 'f':
      return rnd() < 0.9 ? pick(rnd, DOUBLES) : 'null';
    case 'dt':
      return pick(rnd, ['1767225600000', '0', '-86400000', 'null', '"2026-01-01"']);
    case 'tm':
      return pick(rnd, ['36000120', '0', '86399999', '45296500', 'null']);
    case 'dec':
      return pick(rnd, [...DECIMALS, 'null']);
    case 'list':
      return pick(rnd, ['[]', `[${pick(rnd, INTEGERS)}]`, `[${pick(rnd, INTEGERS)},${pick(rnd, INTEGERS)}]`, `[[1],[2,3]]`, `[{"a":1}]`, `[${pick(rnd, STRINGS)}]`, 'null']);
    default:
      return pick(rnd, ['[]', `[${pick(rnd, TIMESTAMPS)}]`, `[${pick(rnd, TIMESTAMPS)},null]`, 'null']);
  }
}

/** A row as Drill writes it: most of them plain, the others with one to three tricky values, and now and then a twist in their shape. */
function row(rnd: () => number, i: number): string {
  const values = [`"r${i}"`, String(i), String(1767225600000 + i * 577), `{"id":"c-${i}","region":"eu"}`, `${i}.5`, '1767225600000', '36000120', '12.50', `[${i},${i + 1}]`, '[]', String(i % 7)];
  const plain = rnd() < 0.4;
  if (!plain) {
    for (let t = 1 + Math.floor(rnd() * 3); t > 0; t--) {
      const k = Math.floor(rnd() * COLUMNS.length);
      values[k] = tricky(rnd, k);
    }
  }
  let entries = COLUMNS.map((name, k) => `"${name}":${values[k]}`);
  const twist = plain ? 1 : rnd();
  if (twist < 0.03) entries = entries.reverse();
  else if (twist < 0.05) entries.splice(Math.floor(rnd() * entries.length), 1);
  else if (twist < 0.07) entries.splice(Math.floor(rnd() * entries.length), 0, `"extra":${nestedValue(rnd, 2)}`);
  else if (twist < 0.09) return `{ ${entries.join(' , ').replace(/":/g, '" : ')} }`;
  return `{${entries.join(',')}}`;
}

function body(rows: readonly string[], columns = COLUMNS, types = TYPES): string {
  return (
    `{"queryId":"q-1"\n,"columns":${JSON.stringify(columns)}\n,"metadata":${JSON.stringify(types)}\n,"attemptedAutoLimit":0\n,"rows":[\n` +
    rows.join('\n,') +
    `\n]\n,"queryState":"COMPLETED"\n}`
  );
}

function collector(): { out: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const out = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(Buffer.from(chunk as Buffer));
      done();
    },
  });
  return { out, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** The body with a space after each row's brace: no row pattern matches it, every row is read carefully. */
function spaced(text: string): string {
  return text.replace(/\n(,?)\{/g, '\n$1{ ');
}

/** The careful path's text: every value a SqlValue read carefully, written by createRowWriter. */
async function carefulText(text: string, format: 'json' | 'ndjson'): Promise<string> {
  const parser = new DrillResponseParser(valueRows);
  const rows = parser.push(spaced(text));
  const { out, text: written } = collector();
  const columns = parser.columns!;
  const writer = createRowWriter(format, columns.names.map((name, i) => ({ name, type: columns.types[i] })), out);
  await writer.write(rows);
  await writer.end();
  return written();
}

/** The fast paths' text, the body given in `pieces`, rows written a batch per piece as the engine does. */
async function fastText(pieces: readonly string[], format: 'json' | 'ndjson'): Promise<string> {
  const parser = new DrillResponseParser(jsonLineRows);
  const { out, text: written } = collector();
  const writer = createJsonLineWriter(format, out);
  for (const piece of pieces) await writer.write(parser.push(piece));
  await writer.end();
  assert.ok(parser.complete);
  return written();
}

function cut(text: string, at: readonly number[]): string[] {
  const pieces: string[] = [];
  let from = 0;
  for (const to of at) {
    pieces.push(text.slice(from, to));
    from = to;
  }
  pieces.push(text.slice(from));
  return pieces;
}

test('generated tricky rows read to the same json and ndjson text as value by value, in pieces of every size', async () => {
  for (const seed of [1, 2, 3]) {
    const rnd = random(seed);
    const text = body(Array.from({ length: 400 }, (_, i) => row(rnd, i)));
    for (const format of ['ndjson', 'json'] as const) {
      const expected = await carefulText(text, format);
      assert.ok(expected.split('\n').length > 400);
      assert.is(await fastText([text], format), expected, `seed ${seed}, ${format}, whole`);
      for (const size of [1, 2, 3, 5, 17, 64, 333, 4096]) {
        const at: number[] = [];
        for (let p = size; p < text.length; p += size) at.push(p);
        assert.is(await fastText(cut(text, at), format), expected, `seed ${seed}, ${format}, pieces of ${size}`);
      }
      const randomCuts = Array.from({ length: 300 }, () => Math.floor(rnd() * text.length)).sort((a, b) => a - b);
      assert.is(await fastText(cut(text, randomCuts), format), expected, `seed ${seed}, ${format}, random cuts`);
    }
  }
});

test('a body cut in two at every position reads to the same text (the row patterns in use past the first rows)', async () => {
  const rnd = random(7);
  // Plain rows first (the patterns are made after some rows), then tricky ones.
  const rows = Array.from({ length: 90 }, (_, i) => (i < 70 ? row(() => 0, i) : row(rnd, i)));
  const text = body(rows);
  const expected = await carefulText(text, 'ndjson');
  for (let p = 0; p <= text.length; p++) {
    const got = await fastText([text.slice(0, p), text.slice(p)], 'ndjson');
    if (got !== expected) assert.fixture(got, expected);
  }
});

test('the fast paths give the exact row text Drill sent where it already is the output (plain rows are copied)', async () => {
  const rows = Array.from({ length: 200 }, (_, i) => `{"s":"r${i}","id":${i},"f":${i}.25,"n":null,"m":{"a":[1,"x"],"b":{}}}`);
  const text = body(rows, ['s', 'id', 'f', 'n', 'm'], ['VARCHAR', 'BIGINT', 'FLOAT8', 'INT', 'MAP']);
  const got = await fastText([text], 'ndjson');
  assert.is(got, rows.join('\n') + '\n');
  assert.is(got, await carefulText(text, 'ndjson'));
});

test('timestamps are DuckDB text, over days, seconds and milliseconds (the per-second cache never shows a stale second)', async () => {
  const stamps = [1767225600000, 1767225600999, 1767225601000, 1767225600500, 1767311999999, 1767312000000, 0, 86399999, 951782400000, 253402300799999, 253402300800000, -1, 1767225600120];
  const rows = [...Array.from({ length: 70 }, (_, i) => 1767225600000 + i * 311), ...stamps, ...stamps.reverse()].map((ms) => `{"ts":${ms}}`);
  const text = body(rows, ['ts'], ['TIMESTAMP']);
  const got = (await fastText([text], 'ndjson')).split('\n');
  assert.is(got.join('\n'), await carefulText(text, 'ndjson'));
  assert.is(got[70], '{"ts":"2026-01-01 00:00:00"}');
  assert.is(got[71], '{"ts":"2026-01-01 00:00:00.999"}');
  assert.is(got[73], '{"ts":"2026-01-01 00:00:00.5"}');
  assert.is(got[82], '{"ts":"2026-01-01 00:00:00.12"}');
});

test('invalid rows fail as SqlError on the fast paths too, never as output', async () => {
  const good = Array.from({ length: 80 }, (_, i) => `{"s":"r${i}","id":${i}}`);
  for (const bad of ['{"s":"x","id":1-2}', '{"s":"x","id":tru}', '{"s":"x" "id":1}', '{"s":"x","id":1,}', '{"s":"x","id":}']) {
    const text = body([...good, bad, ...good], ['s', 'id'], ['VARCHAR', 'BIGINT']);
    for (const pieces of [[text], cut(text, [text.indexOf(bad) + 9])]) {
      let failure: unknown = null;
      try {
        await fastText(pieces, 'ndjson');
      } catch (err) {
        failure = err;
      }
      assert.ok(failure instanceof SqlError, `${bad}: ${String(failure)}`);
    }
  }
});

/** Number texts: the lists above and random digits, points, signs and `0.000…` fractions. */
function numberTexts(seed: number, count: number): string[] {
  const rnd = random(seed);
  const texts = [...DOUBLES.filter((d) => !d.startsWith('"')), ...INTEGERS, 'true', 'false', 'null', '0.000001', '0.0000012', '0.00000123', '100000000000000', '999999999999999', '1000000000000000', '0.123456789012345', '1.00000000000001', '-0.5', '1e5'];
  for (let k = 0; k < count; k++) {
    const digits = 1 + Math.floor(rnd() * 18);
    let s = '';
    for (let d = 0; d < digits; d++) s += String(Math.floor(rnd() * 10));
    const point = Math.floor(rnd() * (digits + 2));
    if (point > 0 && point < digits) s = s.slice(0, point) + '.' + s.slice(point);
    if (rnd() < 0.3) s = '0.' + '0'.repeat(Math.floor(rnd() * 8)) + s.replace('.', '');
    texts.push(rnd() < 0.3 ? '-' + s : s);
  }
  return texts;
}

test('SqlValues read through the row patterns are the careful reading\'s, whatever the pieces', async () => {
  for (const seed of [4, 5]) {
    const rnd = random(seed);
    const rows = Array.from({ length: 400 }, (_, i) => row(rnd, i));
    const text = body(rows);
    const reference = new DrillResponseParser(valueRows).push(spaced(text));
    assert.is(reference.length, 400);
    assert.equal(new DrillResponseParser(valueRows).push(text), reference, `seed ${seed}, whole`);
    for (const size of [1, 7, 64, 1000]) {
      const parser = new DrillResponseParser(valueRows);
      const got: unknown[] = [];
      for (let p = 0; p < text.length; p += size) got.push(...parser.push(text.slice(p, p + size)));
      assert.equal(got, reference, `seed ${seed}, pieces of ${size}`);
    }
  }
  const numbers = body(numberRows(13), NUMBER_COLUMNS, NUMBER_TYPES);
  assert.equal(new DrillResponseParser(valueRows).push(numbers), new DrillResponseParser(valueRows).push(spaced(numbers)));
});

/**
 * Rows of numbers (and words) in every context: in a map, in a list in a map, in lists of a BIGINT
 * and a FLOAT8 column, in a VARCHAR column. One context per row (a number no pattern copies must not
 * hide the others), plain rows first and after each: the patterns are made after some rows and kept
 * only while most rows match them.
 */
const NUMBER_COLUMNS = ['i', 'm', 'li', 'lf', 'v'];
const NUMBER_TYPES = ['BIGINT', 'MAP', 'BIGINT', 'FLOAT8', 'VARCHAR'];
function numberRows(seed: number): string[] {
  const plain = { m: '"m":{"x":1,"y":[2.5]}', li: '"li":[3]', lf: '"lf":[1.5]', v: '"v":"s"' };
  const plainRow = (i: number) => `{"i":${i},${Object.values(plain).join(',')}}`;
  const rows = Array.from({ length: 70 }, (_, i) => plainRow(i));
  numberTexts(seed, 3000).forEach((n, i) => {
    const contexts = [`"m":{"x":${n},"y":[]}`, `"m":{"x":1,"y":[${n}]}`, `"li":[${n}]`, `"lf":[${n},1.5]`, `"v":${n}`];
    for (const context of contexts) {
      const entries = Object.entries(plain).map(([key, entry]) => (context.startsWith(`"${key}"`) ? context : entry));
      rows.push(`{"i":${i},${entries.join(',')}}`, plainRow(i));
    }
  });
  return rows;
}

test('shortestDouble holds only for the text String writes for the double it reads', () => {
  let held = 0;
  for (const text of numberTexts(11, 20000)) {
    if (shortestDouble(text, 0, text.length)) {
      held++;
      assert.is(String(Number(text)), text, text);
    }
  }
  assert.ok(held > 5000, `held for ${held}`);
});

test('numbers inside maps and lists, and in lists of integer and double columns, read to the same text', async () => {
  const rows = numberRows(12);
  const text = body(rows, NUMBER_COLUMNS, NUMBER_TYPES);
  assert.is(await fastText([text], 'ndjson'), await carefulText(text, 'ndjson'));
});

test.run();
