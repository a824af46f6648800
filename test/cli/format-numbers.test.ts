import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatBytes, formatCount, formatDuration, formatPerSecond, formatRate, plural } from '../../src/compiler/format-numbers.ts';

test('counts have thousands separators, and the noun agrees with the count', () => {
  assert.is(formatCount(1234567), '1,234,567');
  assert.is(plural(1, 'record'), '1 record');
  assert.is(plural(0, 'record'), '0 records');
  assert.is(plural(20000, 'record'), '20,000 records');
  assert.is(plural(2, 'replay'), '2 replays');
  assert.is(plural(1, 'shard'), '1 shard');
  assert.is(plural(3, 'entry', 'entries'), '3 entries');
});

test('bytes in binary units, rates per second, durations by size', () => {
  assert.is(formatBytes(512), '512 B');
  assert.is(formatBytes(1536), '1.5 KiB');
  assert.is(formatBytes(64 * 1024 ** 2), '64.0 MiB');
  assert.is(formatRate(1500, 1000), '1,500 records/s');
  assert.is(formatRate(10, 0), '-');
  assert.is(formatPerSecond(812.3), '812 records/s');
  assert.is(formatDuration(850), '850 ms');
  assert.is(formatDuration(12_345), '12.3 s');
  assert.is(formatDuration(245_000), '4 min 05 s');
  assert.is(formatDuration(7_380_000), '2 h 03 min');
});

test.run();
