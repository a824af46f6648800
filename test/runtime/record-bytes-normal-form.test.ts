// The reservoir's rule for payloads, as properties over generated JSON: a repeated key keeps its
// last value exactly as JSON.parse reads it, the rewritten text repeats no key and keeps every
// number's digits, and a payload is refused exactly when one of its strings is not well-formed
// UTF-16 (a lone surrogate), which no SQL engine reads.

import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkPayload } from '../../src/runtime/reservoir/record-encoding.ts';
import { inspectJsonText } from '../../src/runtime/reservoir/payload-text.ts';

const space = fc.constantFrom('', ' ', '\n', '\r\n', '\t');
/** Few key names, so objects repeat keys often; some spelled with escapes (`\u0061` is `a`). */
const key = fc.constantFrom('"a"', '"b"', '"\\u0061"', '"k y"', '"é"');
const scalar = fc.oneof(
  fc.constantFrom('true', 'false', 'null', '12345678901234567890123', '-0', '1e400', '0.1000'),
  fc.integer().map(String),
  fc.string().map((s) => JSON.stringify(s)),
);

/** JSON text with whitespace between tokens, nested objects and arrays. */
const jsonText: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.tuple(fc.array(fc.tuple(key, tie('value'), space), { maxLength: 6 }), space).map(
      ([members, s]) => `{${s}${members.map(([k, v, w]) => `${k}${w}:${w}${v}`).join(`,${s}`)}${s}}`,
    ),
    fc.array(tie('value'), { maxLength: 4 }).map((items) => `[${items.join(', ')}]`),
  ),
})).value;

test('a repeated key keeps its last value, as JSON.parse reads it; the text repeats no key', () => {
  fc.assert(
    fc.property(jsonText, (text) => {
      const checked = checkPayload(Buffer.from(text, 'utf8'));
      assert.ok(checked.ok, text);
      if (!checked.ok) return;
      assert.equal(JSON.parse(checked.text), JSON.parse(text), `${text} → ${checked.text}`);
      assert.is(inspectJsonText(checked.text).duplicateKeys, false, checked.text);
      assert.not.match(checked.text, /[\r\n]/, 'one line');
      assert.is(checked.normalized, inspectJsonText(text).duplicateKeys);
      if (!checked.normalized) assert.is(checked.text.replace(/[\r\n]/g, ' '), text.replace(/[\r\n]/g, ' '), 'untouched otherwise');
      // Numbers keep their text: never the rounded double JSON.stringify would write.
      assert.not.match(checked.text, /1\.2345678901234568e\+22|Infinity/);
    }),
    { numRuns: 2000 },
  );
});

test('a payload is refused exactly when one of its strings holds a lone surrogate', () => {
  const unit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
  const utf16 = fc.string({ unit, maxLength: 8 });
  fc.assert(
    fc.property(utf16, utf16, (k, v) => {
      // JSON.stringify writes a lone surrogate as a \u escape: the only way it fits UTF-8.
      const text = `{${JSON.stringify(k)}:[${JSON.stringify(v)}]}`;
      const checked = checkPayload(Buffer.from(text, 'utf8'));
      const wellFormed = !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(k + '\u0000' + v);
      assert.is(checked.ok, wellFormed, text);
      if (!checked.ok) assert.match(checked.error, /lone surrogate/);
    }),
    { numRuns: 5000 },
  );
});

test('escaped backslashes before a u are text, not a surrogate', () => {
  assert.ok(checkPayload(Buffer.from('{"s":"\\\\ud800"}')).ok);
  assert.not.ok(checkPayload(Buffer.from('{"s":"\\\\\\ud800"}')).ok);
  assert.ok(checkPayload(Buffer.from('{"s":"\\ud83d\\ude00"}')).ok, 'a pair is one character');
});

test.run();
