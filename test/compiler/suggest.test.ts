import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { closest, editDistance } from '../../src/compiler/suggest.ts';

test('edit distance counts single-character edits, a swap of neighbours as one', () => {
  assert.is(editDistance('shards', 'shard'), 1);
  assert.is(editDistance('retention', 'retnetion'), 1);
  assert.is(editDistance('fromat', 'format'), 1);
});

test('closest suggests a near keyword and nothing for an unrelated word', () => {
  assert.is(closest('shard', ['shards', 'retention', 'key']), 'shards');
  assert.is(closest('banana', ['shards', 'retention', 'key']), undefined);
});

test.run();
