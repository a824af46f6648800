// grammar/cst-types.ts is generated from the grammar; this fails when a rule changed and the
// file was not regenerated (node --import tsx grammar/generate-cst-types.ts).

import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CST_TYPES_PATH, cstTypesSource } from '../../grammar/generate-cst-types.ts';

test('grammar/cst-types.ts matches the grammar', () => {
  assert.ok(readFileSync(CST_TYPES_PATH, 'utf8') === cstTypesSource(), 'run: node --import tsx grammar/generate-cst-types.ts');
});

test.run();
