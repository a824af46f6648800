// Reads JSON text without parsing it into values: the members of an object and the text of a
// value at a path. Replay edits payloads as text so numbers keep every digit (JSON.parse would
// round 12345678901234567890123), and DuckDB hands the payload over as text anyway.

export interface JsonMember {
  /** The decoded key. */
  readonly key: string;
  /** Offsets of the whole member (`"key": value`) in the text, end exclusive. */
  readonly start: number;
  readonly end: number;
  readonly valueStart: number;
}

/** The members of a JSON object in order, or null when the text is not an object. */
export function objectMembers(text: string): JsonMember[] | null {
  let i = skipSpace(text, 0);
  if (text.charCodeAt(i) !== 0x7b /* { */) return null;
  i = skipSpace(text, i + 1);
  const members: JsonMember[] = [];
  if (text.charCodeAt(i) === 0x7d /* } */) return members;
  for (;;) {
    if (text.charCodeAt(i) !== 0x22 /* " */) return null;
    const start = i;
    const keyEnd = skipString(text, i);
    const key = decodeString(text.slice(i, keyEnd));
    i = skipSpace(text, keyEnd);
    if (text.charCodeAt(i) !== 0x3a /* : */) return null;
    const valueStart = skipSpace(text, i + 1);
    const end = skipValue(text, valueStart);
    if (end <= valueStart) return null;
    members.push({ key, start, end, valueStart });
    i = skipSpace(text, end);
    const c = text.charCodeAt(i);
    if (c === 0x7d) return members;
    if (c !== 0x2c /* , */) return null;
    i = skipSpace(text, i + 1);
  }
}

/** The text of the value at `path` (object keys), or null when some key is missing. */
export function valueTextAt(text: string, path: readonly string[]): string | null {
  let current = text;
  for (const key of path) {
    const members = objectMembers(current);
    if (!members) return null;
    // The last of duplicate keys wins, as in JSON.parse and DuckDB.
    let found: JsonMember | null = null;
    for (const m of members) if (m.key === key) found = m;
    if (!found) return null;
    current = current.slice(found.valueStart, found.end);
  }
  return current;
}

/** A JSON string token (with its quotes) decoded; the common case without escapes skips JSON.parse. */
export function decodeString(token: string): string {
  return token.includes('\\') ? (JSON.parse(token) as string) : token.slice(1, -1);
}

function skipSpace(text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
    else return i;
  }
}

/** Offset just past the string token starting at `i` (a `"`). */
function skipString(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === 0x5c /* \ */) j++;
    else if (c === 0x22) return j + 1;
  }
  return text.length;
}

/** Offset just past the value starting at `i`. */
function skipValue(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c === 0x22) return skipString(text, i);
  if (c === 0x7b || c === 0x5b /* [ */) {
    let depth = 0;
    for (let j = i; j < text.length; j++) {
      const d = text.charCodeAt(j);
      if (d === 0x22) j = skipString(text, j) - 1;
      else if (d === 0x7b || d === 0x5b) depth++;
      else if (d === 0x7d || d === 0x5d) {
        if (--depth === 0) return j + 1;
      }
    }
    return text.length;
  }
  // A number, true, false or null: up to the next delimiter.
  let j = i;
  for (; j < text.length; j++) {
    const d = text.charCodeAt(j);
    if (d === 0x2c || d === 0x7d || d === 0x5d || d === 0x20 || d === 0x0a || d === 0x0d || d === 0x09) break;
  }
  return j;
}
