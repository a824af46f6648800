// The one escaper for record text shown on a terminal (`wshed tail`, `wshed query` table and CSV,
// error messages, which quote records and input lines):
// records come from producers, and a producer must not drive the user's terminal (ESC sequences,
// C1 controls, carriage returns that overwrite a line, bidirectional overrides that reorder it).

import { isUtf8 } from 'node:buffer';

/**
 * C0 controls, DEL, C1 controls, the line and paragraph separators, the bidirectional embeddings,
 * overrides and isolates, and lone surrogates (which no terminal can print).
 */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
/** The same, but LF and TAB pass: CSV keeps them inside quoted fields, messages span lines. */
const UNPRINTABLE_IN_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeOne(c: string): string {
  const named = NAMED[c];
  if (named) return named;
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** Text with every unprintable character written as an escape: `\n`, `\r`, `\t`, `\x1b`, `\u202e`. */
export function printable(text: string): string {
  UNPRINTABLE.lastIndex = 0;
  return UNPRINTABLE.test(text) ? text.replace(UNPRINTABLE, escapeOne) : text;
}

/** As `printable`, but line feeds and tabs stay: for CSV fields (quoted) and messages of several lines. */
export function printableLines(text: string): string {
  UNPRINTABLE_IN_LINES.lastIndex = 0;
  return UNPRINTABLE_IN_LINES.test(text) ? text.replace(UNPRINTABLE_IN_LINES, escapeOne) : text;
}

/** Record bytes as printable text: UTF-8 decoded and escaped, each byte that is not UTF-8 as `\xHH`. */
export function printableBytes(data: Buffer): string {
  if (isUtf8(data)) return printable(data.toString('utf8'));
  let out = '';
  let i = 0;
  while (i < data.length) {
    const n = utf8SequenceLength(data, i);
    if (n === 0) {
      out += `\\x${data[i].toString(16).padStart(2, '0')}`;
      i++;
    } else {
      out += printable(data.subarray(i, i + n).toString('utf8'));
      i += n;
    }
  }
  return out;
}

/** Length of the valid UTF-8 sequence at `i` (RFC 3629: no overlongs, no surrogates), 0 when none starts there. */
export function utf8SequenceLength(b: Uint8Array, i: number): number {
  const c = b[i];
  const n = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
  if (n <= 1 || i + n > b.length) return n === 1 ? 1 : 0;
  return isUtf8(b.subarray(i, i + n)) ? n : 0;
}

/** Characters JSON.stringify leaves raw that still drive terminals; in valid JSON they occur only inside strings. */
const RAW_IN_JSON = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** JSON text with DEL, C1 and the characters above written as `\uXXXX`: the same JSON value, safe to print. */
export function terminalSafeJson(json: string): string {
  RAW_IN_JSON.lastIndex = 0;
  return RAW_IN_JSON.test(json) ? json.replace(RAW_IN_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) : json;
}
