// A reservoir archived by Firehose, read as Firehose leaves it: objects named
// `part-<delivery stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<uuid>.json` in the partition folders,
// each line written by the Lambda's encoder (encodeUserRecord). moto's Firehose never delivers, so
// the test writes the objects itself. The unified view counts each record once: records both in a
// delivered object and still in the stream (Firehose keeps no checkpoint) are de-duplicated by
// (shard, sequence, sub-sequence).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isDataFile, parseFirehoseName, recordFileKind } from '../../src/runtime/reservoir/file-names.ts';
import { firehoseLiveSince, FIREHOSE_DELIVERY_MARGIN_SECONDS } from '../../src/runtime/reservoir/live.ts';

test("Firehose's object names are record files, and say who wrote them, when, and how they are compressed", () => {
  const name = 'dt=2026-11-27/hour=09/part-wshed-orders_fh-3-2026-11-27-09-59-58-0f8fad5b-d9cb-469f-a165-70867728950e.json';
  assert.equal(parseFirehoseName(name), {
    deliveryStream: 'wshed-orders_fh',
    version: 3,
    writtenAt: '2026-11-27T09:59:58Z',
    id: '0f8fad5b-d9cb-469f-a165-70867728950e',
    extension: 'json',
    compression: null,
  });
  assert.ok(isDataFile(name));
  assert.equal(recordFileKind(`${name}.gz`), { extension: 'json', compression: 'gz', writer: 'firehose' });
  assert.ok(isDataFile('dt=2026-11-27/hour=09/part-shardId-000000000001-100-200.json'), "the archiver's names still are");
  assert.not.ok(isDataFile(`_quarantine/${name}`));
  assert.not.ok(isDataFile('dt=2026-11-27/hour=09/part-wshed-orders-1-2026-11-27-09-59-58-not-a-uuid.json'));
  assert.not.ok(isDataFile('_wshed/checkpoint.json'));
});

test('the live window of a Firehose reservoir covers its buffer interval and the delivery margin', () => {
  const now = new Date('2026-11-27T12:00:00.000Z');
  assert.is(firehoseLiveSince(300, now).toISOString(), new Date(now.getTime() - (300 + FIREHOSE_DELIVERY_MARGIN_SECONDS) * 1000).toISOString());
});

test.run();
