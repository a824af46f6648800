// Record bytes end to end through the real CLI: what `put` sends is what the stream holds, what
// the reservoir (or its quarantine) keeps, and what `tail`, `query` and replays read, for
// records that once broke them: lone surrogates, invalid UTF-8 and repeated keys.

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PutRecordCommand } from '@aws-sdk/client-kinesis';
import { createKinesisClient, localKinesisEndpoint } from '../../src/runtime/kinesis/client.ts';
import { Scratch } from '../cli/helpers.ts';

const PIPELINE = `
stream events { shards 1 }
stream copies { shards 1 }
reservoir ev { from stream events at "./reservoir/ev" }
reservoir cp { from stream copies at "./reservoir/copies" }
replay open from archive+live ev where status = 'open' into stream copies aggregate off
`;

const scratch = new Scratch();
writeFileSync(path.join(scratch.dir, 'p.wshed'), PIPELINE);

/** The input file, line by line, as bytes: JSON that broke engines, and bytes that are not UTF-8. */
const LINES: Buffer[] = [
  Buffer.from('{"id":1,"status":"open","s":"\\ud800"}'), // a lone surrogate: no engine but JS reads it alike
  Buffer.from('{"id":2,"status":"open"}'),
  Buffer.from('{"id":3,"status":"closed","status":"open"}'), // last value wins: open
  Buffer.from('{"id":4,"status":"open","status":"closed"}'), // last value wins: closed
  Buffer.from([0xff, 0x00, 0x01]), // not UTF-8, not JSON
  Buffer.concat([Buffer.from('{"id":6,"status":"open","s":"caf'), Buffer.from([0xe9]), Buffer.from('"}')]), // Latin-1 é
  Buffer.from('{"id":7,"status":"open","n":12345678901234567890123,"c":{"r":"eu","r":"us"}}'),
];
writeFileSync(path.join(scratch.dir, 'events.bin'), Buffer.concat(LINES.flatMap((l) => [l, Buffer.from('\n')])));
const QUARANTINED = [LINES[0], LINES[4], LINES[5]];

test.after(() => scratch.dispose());

const ok = (args: string[]) => {
  const r = scratch.wshed(args);
  assert.is(r.code, 0, `wshed ${args.join(' ')} failed:\n${r.stderr}`);
  assert.not.match(r.stderr, /\n\s+at /, 'no stack trace');
  return r.stdout;
};
const openIds = (view: string) =>
  ok(['query', 'p.wshed', `SELECT id FROM ${view} WHERE status = 'open' ORDER BY id`, '--format', 'csv', '--quiet'])
    .trim()
    .split('\n')
    .slice(1)
    .map(Number);
const previewIds = () =>
  (JSON.parse(ok(['replay', 'p.wshed', 'open', '--preview', '100', '--json'])) as { preview: { data: string }[] }).preview.map(
    (p) => (JSON.parse(p.data) as { id: number }).id,
  );
interface Tailed {
  sequence_number: string;
  data?: unknown;
  data_text?: string;
  data_base64?: string;
}
const tail = (stream: string, n: number) =>
  ok(['tail', stream, '--from', 'trim-horizon', '--limit', String(n), '--json'])
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Tailed)
    .sort((a, b) => (BigInt(a.sequence_number) < BigInt(b.sequence_number) ? -1 : 1));

let port = 0;

test('put --raw sends the bytes of each line as they are, and tail --json shows them without loss', () => {
  port = (JSON.parse(ok(['local', 'start', '--port', '0', '--json'])) as { port: number }).port;
  ok(['run', 'p.wshed']); // provisions the streams; nothing to archive yet
  assert.match(ok(['put', 'events', '--raw', '--file', 'events.bin']), /put 7 records into events/);
  const records = tail('events', LINES.length);
  assert.is(records.length, LINES.length);
  for (const [i, r] of records.entries()) {
    if (r.data !== undefined) assert.equal(r.data, JSON.parse(LINES[i].toString()), `record ${i + 1} as JSON`);
    else {
      const bytes = r.data_base64 !== undefined ? Buffer.from(r.data_base64, 'base64') : Buffer.from(r.data_text ?? '', 'utf8');
      assert.ok(bytes.equals(LINES[i]), `record ${i + 1}: ${bytes.toString('hex')} != ${LINES[i].toString('hex')}`);
    }
  }
  assert.is(records[4].data_base64, Buffer.from([0xff, 0x00, 0x01]).toString('base64'));
  // The exact digits of the producer's number, not a rounded double.
  assert.match(ok(['tail', 'events', '--from', 'trim-horizon', '--limit', '7', '--json']), /"n":12345678901234567890123/);
});

test('live records: queries and replays read every readable record, last duplicate key winning', () => {
  assert.equal(openIds('ev'), [2, 3, 7]);
  assert.equal(openIds('ev_live'), [2, 3, 7]);
  assert.equal(previewIds().sort(), [2, 3, 7]);
  const region = ok(['query', 'p.wshed', "SELECT c.r AS r, payload->'c'->>'r' AS j FROM ev WHERE id = 7", '--format', 'csv', '--quiet']);
  assert.is(region, 'r,j\nus,us\n');
});

test('the archive quarantines lone surrogates and invalid UTF-8 byte-exact; the rest stays readable', () => {
  const summary = JSON.parse(ok(['archive', 'p.wshed', 'ev', '--json'])) as { records: number; quarantined: number };
  assert.is(summary.records, 7);
  assert.is(summary.quarantined, 3);
  const qdir = path.join(scratch.dir, 'reservoir/ev/_quarantine');
  const files = readdirSync(qdir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile() && d.name.endsWith('.json'));
  const kept = files.flatMap((f) =>
    readFileSync(path.join(f.parentPath, f.name), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { raw_base64: string; error: string }),
  );
  assert.equal(
    kept.map((q) => q.raw_base64),
    QUARANTINED.map((b) => b.toString('base64')),
  );
  assert.match(kept[0].error, /lone surrogate/);
  assert.equal(openIds('ev'), [2, 3, 7]);
  assert.equal(openIds('ev_archived'), [2, 3, 7]);
  assert.is(ok(['query', 'p.wshed', 'SELECT count(*) AS n FROM ev', '--format', 'csv', '--quiet']), 'n\n4\n');
  assert.is(
    ok(['query', 'p.wshed', "SELECT c.r AS r, payload->>'n' AS n FROM ev WHERE id = 7", '--format', 'csv', '--quiet']),
    'r,n\nus,12345678901234567890123\n',
  );
});

test('a replay over the archive emits the readable records its where selects, by the last duplicate', () => {
  assert.equal(previewIds().sort(), [2, 3, 7]);
  const done = JSON.parse(ok(['replay', 'p.wshed', 'open', '--json'])) as { emitted: number };
  assert.is(done.emitted, 3);
  // What reached the destination, read back through its own reservoir (the replay's own marker records aside).
  ok(['archive', 'p.wshed', 'cp']);
  const copies = ok(['query', 'p.wshed', 'SELECT id, c.r AS r FROM cp WHERE id IS NOT NULL ORDER BY id', '--format', 'csv', '--quiet']);
  assert.is(copies, 'id,r\n2,\n3,\n7,us\n');
});

test('a partition key holding a lone surrogate (the Kinesis API takes one) is quarantined too', async () => {
  const client = createKinesisClient(localKinesisEndpoint(port));
  try {
    await client.send(new PutRecordCommand({ StreamName: 'events', PartitionKey: 'k\ud800', Data: Buffer.from('{"id":8,"status":"open"}') }));
  } finally {
    client.destroy();
  }
  const summary = JSON.parse(ok(['archive', 'p.wshed', 'ev', '--json'])) as { records: number; quarantined: number };
  assert.equal([summary.records, summary.quarantined], [1, 1]);
  assert.equal(openIds('ev'), [2, 3, 7]);
  assert.is(ok(['query', 'p.wshed', 'SELECT count(*) AS n FROM ev WHERE _partition_key IS NULL', '--format', 'csv', '--quiet']), 'n\n0\n');
});

test.run();
