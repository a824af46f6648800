// `wshed put` sends the bytes of each line as they are: split at \n (a CRLF's \r dropped), never
// decoded as text. In JSON mode a line that the reservoir could not keep as JSON (invalid UTF-8,
// a lone surrogate, not JSON) is refused with its position, and nothing is sent.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Scratch } from './helpers.ts';

const scratch = new Scratch();
writeFileSync(path.join(scratch.dir, 'p.wshed'), 'stream s { shards 1 }\nreservoir r { from stream s at "./reservoir/s" }\n');
const file = (name: string, bytes: Buffer) => writeFileSync(path.join(scratch.dir, name), bytes);

test.after(() => scratch.dispose());

const ok = (args: string[], input?: Buffer) => {
  const r = scratch.wshed(args, input);
  assert.is(r.code, 0, `wshed ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
};
const refused = (args: string[], message: RegExp) => {
  const r = scratch.wshed(args);
  assert.is(r.code, 2, r.stderr);
  assert.match(r.stderr, message);
  assert.match(r.stderr, /nothing was sent/);
  assert.not.match(r.stderr, /\n\s+at /, 'no stack trace');
};
/** Records the stream holds: the archive reads them all (and counts what it quarantines). */
const archived = () => JSON.parse(ok(['archive', 'p.wshed', '--json'])) as { records: number; quarantined: number };

test('setup', () => {
  ok(['local', 'start', '--port', '0']);
  ok(['run', 'p.wshed']);
});

test('JSON mode refuses a line that is not UTF-8, naming the line and the byte, and sends nothing', () => {
  file('latin1.ndjson', Buffer.concat([Buffer.from('{"a":1}\n{"name":"caf'), Buffer.from([0xe9]), Buffer.from('"}\n')]));
  refused(['put', 's', '--file', 'latin1.ndjson'], /latin1\.ndjson:2: not valid UTF-8 \(byte 13 of the line is 0xe9\)/);
  assert.is(archived().records, 0);
});

test('JSON mode refuses a lone surrogate, which the reservoir would quarantine, and sends nothing', () => {
  file('surrogate.ndjson', Buffer.from('{"a":1}\n\n{"s":"\\udc00"}\n'));
  refused(['put', 's', '--file', 'surrogate.ndjson'], /surrogate\.ndjson:3: holds a lone surrogate escape in the string at column 6/);
  assert.is(archived().records, 0);
});

test('--raw sends every byte of each line; CRLF endings and blank lines are not data', () => {
  const lines = [Buffer.from([0xff, 0x00, 0x01, 0x80]), Buffer.from('caf\u00e9 \r in the middle'), Buffer.from('{"a":1}')];
  // CRLF endings, a blank line, and a last line without a line break.
  file('raw.bin', Buffer.concat([lines[0], Buffer.from('\r\n'), lines[1], Buffer.from('\n \n'), lines[2]]));
  assert.match(ok(['put', 's', '--raw', '--file', 'raw.bin']), /put 3 records into s/);
  const tailed = ok(['tail', 's', '--from', 'trim-horizon', '--limit', '3', '--json'])
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { sequence_number: string; data?: unknown; data_text?: string; data_base64?: string })
    .sort((a, b) => (BigInt(a.sequence_number) < BigInt(b.sequence_number) ? -1 : 1));
  assert.is(tailed[0].data_base64, lines[0].toString('base64'));
  assert.is(tailed[1].data_text, lines[1].toString('utf8'));
  assert.equal(tailed[2].data, { a: 1 });
  const a = archived();
  assert.is(a.records, 3);
  assert.is(a.quarantined, 2, 'the two lines that are not JSON are kept in quarantine');
});

test('standard input is sent byte for byte too', () => {
  const bytes = Buffer.from([0xc3, 0x28, 0x0a, 0xf0, 0x9f, 0x98, 0x80, 0xed, 0xa0, 0x80]); // bad pair, LF, an emoji, an encoded surrogate
  assert.match(ok(['put', 's', '--raw', '-'], bytes), /put 2 records into s/);
  const tailed = ok(['tail', 's', '--from', 'trim-horizon', '--limit', '5', '--json'])
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { data_base64?: string });
  assert.equal(
    tailed.flatMap((t) => (t.data_base64 ? [t.data_base64] : [])).slice(-2).sort(),
    [bytes.subarray(0, 2).toString('base64'), bytes.subarray(3).toString('base64')].sort(),
  );
  const a = archived();
  assert.equal([a.records, a.quarantined], [2, 2]);
});

test('a key field holding a lone surrogate, which no partition key can be, gives a hashed key', () => {
  file('key.ndjson', Buffer.from('{"id":"\\udc00"}\n'));
  assert.match(ok(['put', 's', '--raw', '--key', 'id', '--file', 'key.ndjson']), /put 1 records? into s .*1 without the key field got a hashed partition key/);
  const out = ok(['tail', 's', '--from', 'trim-horizon', '--limit', '6', '-f', '%k %s\\n']); // 3 + 2 records before this one
  assert.match(out, /^[0-9a-f]{32} \{"id":"\\udc00"\}$/m);
  const a = archived();
  assert.equal([a.records, a.quarantined], [1, 1], 'its data holds the lone surrogate: quarantined');
});

test('an unknown stream lists the existing ones, and nothing is sent', () => {
  file('one.ndjson', Buffer.from('{"a":1}\n'));
  const r = scratch.wshed(['put', 'nope', '--file', 'one.ndjson']);
  assert.is(r.code, 2, r.stderr);
  assert.match(r.stderr, /stream 'nope' does not exist \(the streams are: s\); declare it/);
});

test('a CRLF JSON file is sent as JSON, without the carriage returns', () => {
  file('crlf.ndjson', Buffer.from('{"n":1}\r\n{"n":2}\r\n'));
  assert.match(ok(['put', 's', '--file', 'crlf.ndjson']), /put 2 records into s/);
  const a = archived();
  assert.is(a.records, 2);
  assert.is(a.quarantined, 0, 'a line without its \\r is JSON');
});

test.run();
