import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as consumer from 'watershed/consumer';

const folder = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/consumer');

test('the package entry watershed/consumer exports the rule, versions, metadata names and the store', () => {
  for (const name of ['decide', 'shouldApply', 'liveIncoming', 'replayedIncoming', 'compareVersions', 'liveVersion', 'readReplayMetadata', 'readReplayMarker', 'replayMarkerPath', 'isAfterWatermark', 'liveStartPosition', 'versionSortKey', 'VersionedStore']) {
    assert.type((consumer as Record<string, unknown>)[name], 'function', name);
  }
  assert.is(consumer.REPLAY_METADATA_FIELD, '_wshed');
  assert.is(consumer.REPLAY_METADATA_VERSION, 2);
  assert.is(consumer.OVERWRITE_FIELD, 'overwrite');
});

test('the library runs in any JS runtime: no Node modules or globals, and imports only itself and the record layout', () => {
  for (const file of fs.readdirSync(folder).filter((f) => f.endsWith('.ts'))) {
    const text = fs.readFileSync(path.join(folder, file), 'utf8');
    const imports = [...text.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
    for (const spec of imports) assert.ok(/^\.\/[a-z-]+\.ts$/.test(spec) || spec === '../compiler/record-layout.ts', `${file} imports ${spec}`);
    assert.not.match(text, /\b(process|Buffer|require)\b[.(]/, `${file} uses a Node global`);
  }
});

test.run();
