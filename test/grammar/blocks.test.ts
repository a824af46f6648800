// Stream and reservoir blocks: every property form, values kept as written for the checker.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { noSpans, parseText, reservoirOf, slice, streamOf } from './helpers.ts';

test('stream key: a JSON path, a quoted segment or record metadata', () => {
  assert.equal(noSpans(streamOf('stream s { key customer.id }').properties), [
    { kind: 'key', key: { kind: 'field', segments: [{ name: 'customer', quoted: false }, { name: 'id', quoted: false }] } },
  ]);
  assert.equal(noSpans(streamOf('stream s { key @partition_key }').properties), [{ kind: 'key', key: { kind: 'meta', name: 'partition_key' } }]);
  assert.equal(noSpans(streamOf('stream s { key `order id` }').properties), [
    { kind: 'key', key: { kind: 'field', segments: [{ name: 'order id', quoted: true }] } },
  ]);
});

test('values the checker judges are kept as written', () => {
  assert.equal(noSpans(streamOf('stream s { shards 0 retention 7x shards 2.5 }').properties), [
    { kind: 'shards', count: { kind: 'number', value: 0, text: '0' } },
    { kind: 'retention', duration: { kind: 'quantity', text: '7x' } },
    { kind: 'shards', count: { kind: 'number', value: 2.5, text: '2.5' } },
  ]);
  assert.equal(noSpans(reservoirOf('reservoir r { format csv partition weekly }').properties), [
    { kind: 'format', format: { text: 'csv' } },
    { kind: 'partition', partition: { text: 'weekly' } },
  ]);
});

test('archive via firehose with a buffer, and via archiver with every and buffer', () => {
  const text = "reservoir r {\n  from stream s\n  at 's3://bucket/prefix'\n  format parquet\n  partition daily\n  archive via firehose buffer 64MB 300s\n}";
  const p = parseText(text);
  assert.equal(p.diagnostics, []);
  const reservoir = p.pipeline.statements[0];
  if (reservoir.kind !== 'reservoir') throw new Error('expected a reservoir');
  const archive = reservoir.properties[4];
  assert.equal(noSpans(archive), {
    kind: 'archive',
    via: { text: 'firehose' },
    buffer: { size: { kind: 'quantity', text: '64MB' }, interval: { kind: 'quantity', text: '300s' } },
  });
  assert.is(slice(text, archive.span), 'archive via firehose buffer 64MB 300s');
  assert.is(archive.kind === 'archive' && slice(text, archive.buffer!.span), 'buffer 64MB 300s');
  assert.is(reservoir.properties[1].kind === 'at' && reservoir.properties[1].location.value, 's3://bucket/prefix');

  const both = reservoirOf('reservoir r { archive via archiver every 15m buffer 1GB 60s }').properties[0];
  assert.equal(noSpans(both), {
    kind: 'archive',
    via: { text: 'archiver' },
    every: { kind: 'quantity', text: '15m' },
    buffer: { size: { kind: 'quantity', text: '1GB' }, interval: { kind: 'quantity', text: '60s' } },
  });
});

test('empty blocks and blocks on one line', () => {
  assert.equal(noSpans(streamOf('stream s {}')), { kind: 'stream', name: { text: 's' }, properties: [] });
  assert.equal(reservoirOf('reservoir r { from stream s format json partition hourly }').properties.length, 3);
});

test.run();
