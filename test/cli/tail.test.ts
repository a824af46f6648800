// `wshed tail` like kcat: --format text|json|kv and a -f/--template of placeholders show the
// partition key, shard, sequence number, arrival time and data of each record (KPL aggregates
// split); mistakes in the options are refused before connecting; an unknown stream lists the others.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Scratch } from './helpers.ts';

const PIPELINE = `
stream s { shards 2 key id }
stream many { shards 1 }
stream agg { shards 1 }
reservoir m { from stream many at "./reservoir/many" }
replay copy from live m into stream agg aggregate on
`;
const scratch = new Scratch();
writeFileSync(path.join(scratch.dir, 'p.wshed'), PIPELINE);
writeFileSync(path.join(scratch.dir, 'json.ndjson'), '{"id":"k1","n":12345678901234567890123}\n{"id":"k2","n":2}\n');

test.after(() => scratch.dispose());

const ok = (args: string[], input?: string) => {
  const r = scratch.wshed(args, input);
  assert.is(r.code, 0, `wshed ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
};
const lines = (text: string) => text.trim().split('\n').sort();
const tail = (stream: string, n: number, ...extra: string[]) => ok(['tail', stream, '--from', 'trim-horizon', '--limit', String(n), ...extra]);

const SEQUENCE = /^\d{20,}$/;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

test('setup: two JSON records with keys, and one plain text record', () => {
  ok(['local', 'start', '--port', '0']);
  ok(['run', 'p.wshed']);
  assert.match(ok(['put', 's', '--file', 'json.ndjson', '--pipeline', 'p.wshed']), /put 2 records/);
  assert.match(ok(['put', 's', '--raw', '--key', 'id', '-'], 'hello world\n'), /put 1 record\b/);
});

test('--format text (the default) prints the data of each record', () => {
  assert.equal(lines(tail('s', 3)), ['hello world', '{"id":"k1","n":12345678901234567890123}', '{"id":"k2","n":2}']);
  assert.equal(lines(tail('s', 3, '--format', 'text')), lines(tail('s', 3)));
});

test('--format json prints the metadata, and the data as JSON (exact digits) or as text', () => {
  const out = tail('s', 3, '--format', 'json');
  assert.match(out, /"data":\{"id":"k1","n":12345678901234567890123\}/);
  const records = out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  for (const r of records) {
    assert.is(r.stream, 's');
    assert.match(String(r.shard_id), /^shardId-00000000000[01]$/);
    assert.match(String(r.sequence_number), SEQUENCE);
    assert.is(r.sub_sequence_number, 0);
    assert.match(String(r.arrival_time), ISO);
  }
  const k2 = records.find((r) => r.partition_key === 'k2')!;
  assert.equal(k2.data, { id: 'k2', n: 2 });
  const text = records.find((r) => r.data_text !== undefined)!;
  assert.is(text.data_text, 'hello world');
  assert.is(text.data, undefined);
  assert.equal(lines(tail('s', 3, '--json')).length, 3, '--json is --format json');
});

test('--format kv prints key=value pairs, quoting values that need it', () => {
  const out = lines(tail('s', 3, '--format', 'kv'));
  const k2 = out.find((l) => l.includes('partition_key=k2'))!;
  assert.match(k2, /^stream=s shard_id=shardId-00000000000[01] sequence_number=\d{20,} sub_sequence_number=0 partition_key=k2 arrival_time=\S+Z data="\{\\"id\\":\\"k2\\",\\"n\\":2\}"$/);
  assert.ok(out.some((l) => l.endsWith(' data="hello world"')));
});

test('-f/--template fills kcat-style placeholders and interprets \\n and \\t', () => {
  const out = lines(tail('s', 3, '-f', '%t\\t%p\\t%o\\t%u\\t%k\\t%K\\t%S\\t%T\\t%s %%\\n'));
  const k1 = out.find((l) => l.includes('\tk1\t'))!.split('\t');
  assert.is(k1[0], 's');
  assert.match(k1[1], /^shardId-/);
  assert.match(k1[2], SEQUENCE);
  assert.is(k1[3], '0');
  assert.is(k1[5], '2');
  assert.is(k1[6], String('{"id":"k1","n":12345678901234567890123}'.length));
  assert.match(k1[7], ISO);
  assert.is(k1[8], '{"id":"k1","n":12345678901234567890123} %');
  assert.equal(lines(tail('s', 3, '--template', '%k\\n')), lines(tail('s', 3, '-f', '%k\\n')));
});

test('aggregated records are split; %u is the position inside the aggregate', () => {
  const many = Array.from({ length: 40 }, (_, i) => JSON.stringify({ i })).join('\n') + '\n';
  assert.match(ok(['put', 'many', '-'], many), /put 40 records/);
  const replay = JSON.parse(ok(['replay', 'p.wshed', 'copy', '--json'])) as { emitted: number };
  assert.is(replay.emitted, 40);
  const bySequence = new Map<string, number[]>();
  for (const line of lines(tail('agg', 40, '-f', '%o %u\\n'))) {
    const [sequence, sub] = line.split(' ');
    bySequence.set(sequence, [...(bySequence.get(sequence) ?? []), Number(sub)]);
  }
  assert.ok(bySequence.size < 40, 'some Kinesis records hold several user records');
  for (const subs of bySequence.values()) assert.equal(subs.sort((a, b) => a - b), subs.map((_, i) => i));
});

test('a reader that goes away (tail | head) ends tail quietly, with exit code 0', async () => {
  const tailing = scratch.start(['tail', 's', '--from', 'trim-horizon']);
  // The first record has arrived: then the reader goes away, and a new record has to be written.
  await new Promise<void>((resolve) => tailing.child.stdout!.once('data', () => resolve()));
  tailing.child.stdout!.destroy();
  ok(['put', 's', '--key', 'id', '-'], '{"id":"late"}\n');
  const limit = setTimeout(() => tailing.child.kill('SIGKILL'), 30_000); // a generous bound, not a wait
  const r = await tailing.done;
  clearTimeout(limit);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stderr, '');
});

test('an unknown placeholder, or two formats at once, is refused before connecting', () => {
  const bad = scratch.wshed(['tail', 's', '-f', 'key %k %x\\n']);
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /--template: unknown placeholder '%x' at column 8 \(known: %s %S %k/);
  const both = scratch.wshed(['tail', 's', '--json', '--format', 'kv']);
  assert.is(both.code, 2);
  assert.match(both.stderr, /give one of --format, --json and --template/);
  for (const r of [bad, both]) assert.not.match(r.stderr, /\n\s+at /);
});

test('an unknown stream lists the existing ones', () => {
  const r = scratch.wshed(['tail', 'nope']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /stream 'nope' does not exist; the streams are: agg, many, s/);
});

test('--help documents the formats and every placeholder', () => {
  const help = ok(['tail', '--help']);
  for (const token of ['%s', '%S', '%k', '%K', '%p', '%o', '%u', '%T', '%t', '%%', 'data_base64', 'text', 'kv']) assert.ok(help.includes(token), token);
});

test.run();
