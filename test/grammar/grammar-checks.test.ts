// The CLI skips chevrotain's grammar validations to start fast; this test runs them so an
// ambiguous or left-recursive rule still fails the build.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { WatershedParser } from '../../grammar/parser.ts';

test('the grammar passes chevrotain self-analysis with every validation on', () => {
  // performSelfAnalysis throws on any grammar definition error when validations run.
  let error: unknown;
  try {
    new WatershedParser(true);
  } catch (e) {
    error = e;
  }
  assert.is(error, undefined, String(error));
});

test.run();
