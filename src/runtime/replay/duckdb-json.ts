// A payload's archived JSON text written as DuckDB writes a JSON value it read (yyjson, minified),
// without parsing it into JS values: what a replay on DuckDB emits, so a replay reading the archived
// text elsewhere (Drill) emits the same bytes. test/runtime/duckdb-json.test.ts holds it to DuckDB.
//
// What DuckDB does to a payload it reads (read_json, JSON column), checked on DuckDB 1.5.6:
// - whitespace between tokens goes; keys stay in order, duplicates included;
// - strings are decoded and written again: only `"`, `\`, and control characters are escaped
//   (`\b \f \n \r \t`, others `\u00XX` in upper-case hex); `\u00e9`, `\/`, U+2028 come out raw;
// - an integer (no `.`, `e`) keeps its digits, in range or not, except `-0`, which is `0`;
// - a number with `.` or an exponent is a double written in its shortest round-trip digits
//   (`1e5` → `100000.0`, `0.10` → `0.1`, `1e21` → `1e21`, `1e-7` → `1e-7`, `-0.0` stays), unless it
//   overflows a double (`1e400`), which stays as written.

/** The JSON text `text` (valid JSON, as the archiver checked it) as DuckDB writes it back. */
export function duckdbJsonText(text: string): string {
  let out = '';
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
      i++;
    } else if (c === 0x22 /* " */) {
      const end = stringEnd(text, i);
      out += writeString(text.slice(i, end));
      i = end;
    } else if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
      let j = i + 1;
      while (j < n && isNumberChar(text.charCodeAt(j))) j++;
      out += writeNumber(text.slice(i, j));
      i = j;
    } else {
      // Structure (`{}[],:`) and the letters of true, false, null: as they are.
      out += text[i];
      i++;
    }
  }
  return out;
}

function isNumberChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === 0x2d;
}

/** Offset just past the string token starting at `i`. */
function stringEnd(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === 0x5c) j++;
    else if (c === 0x22) return j + 1;
  }
  return text.length;
}

const SHORT_ESCAPES: Readonly<Record<number, string>> = { 0x08: '\\b', 0x0c: '\\f', 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t', 0x22: '\\"', 0x5c: '\\\\' };

function writeString(token: string): string {
  // Most strings hold no escape and nothing to escape: as they are.
  if (!token.includes('\\')) return token;
  const value = JSON.parse(token) as string;
  let out = '"';
  for (let k = 0; k < value.length; k++) {
    const c = value.charCodeAt(k);
    const short = SHORT_ESCAPES[c];
    if (short !== undefined) out += short;
    else if (c < 0x20) out += `\\u${c.toString(16).toUpperCase().padStart(4, '0')}`;
    else out += value[k];
  }
  return `${out}"`;
}

function writeNumber(token: string): string {
  if (!/[.eE]/.test(token)) return token === '-0' ? '0' : token;
  const value = Number(token);
  if (!Number.isFinite(value)) return token;
  if (Object.is(value, -0)) return '-0.0';
  const shortest = String(value);
  if (shortest.includes('e')) return shortest.replace('e+', 'e');
  return shortest.includes('.') ? shortest : `${shortest}.0`;
}
