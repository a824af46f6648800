// The two ways valid JSON text still reads differently in different engines, found and settled on
// the text itself: a lone surrogate escape (`"\ud800"`, which DuckDB refuses) and an object that
// repeats a key (DuckDB reads the first value, JSON.parse and Python the last). Both walks are
// iterative, so any nesting depth that JSON.parse accepts is fine here too.

export interface JsonTextFindings {
  /** Offset of the first string token holding a lone surrogate escape, or null. */
  readonly loneSurrogateAt: number | null;
  /** Some object, at any depth, holds a key twice (compared after decoding escapes). */
  readonly duplicateKeys: boolean;
}

/** Inspects text that JSON.parse has accepted. */
export function inspectJsonText(text: string): JsonTextFindings {
  // Each open container: the keys seen so far for an object (a list: objects are small, and a
  // list is cheaper to build than a Set; a big one becomes a Set), null for an array.
  const stack: (string[] | Set<string> | null)[] = [];
  let expectKey = false;
  let loneSurrogateAt: number | null = null;
  let duplicateKeys = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const end = stringEnd(text, i);
      let decoded: string | null = null;
      if (sawEscape) {
        decoded = JSON.parse(text.slice(i, end)) as string;
        if (loneSurrogateAt === null && !isWellFormed(decoded)) loneSurrogateAt = i;
      }
      if (expectKey && !duplicateKeys) {
        const keys = stack[stack.length - 1]!;
        const key = decoded ?? text.slice(i + 1, end - 1);
        if (Array.isArray(keys)) {
          if (keys.includes(key)) duplicateKeys = true;
          else if (keys.length < 16) keys.push(key);
          else stack[stack.length - 1] = new Set([...keys, key]);
        } else if (keys.has(key)) duplicateKeys = true;
        else keys.add(key);
      }
      expectKey = false;
      i = end - 1;
    } else if (c === 0x7b /* { */) {
      stack.push([]);
      expectKey = true;
    } else if (c === 0x5b /* [ */) {
      stack.push(null);
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      expectKey = stack.length > 0 && stack[stack.length - 1] !== null;
    }
  }
  return { loneSurrogateAt, duplicateKeys };
}

/**
 * The same JSON with one member per key in every object: the last value, at the position of the
 * key's first occurrence (what JSON.parse and Python's json build). Containers are rewritten
 * without whitespace; scalars keep their exact text (numbers keep every digit).
 */
export function lastKeyWins(text: string): string {
  type Frame = { readonly members: Map<string, string>; keyToken: string; key: string } | { readonly items: string[] };
  const stack: Frame[] = [];
  let result = '';
  let expectKey = false;
  const attach = (value: string) => {
    const top = stack[stack.length - 1];
    if (!top) result = value;
    else if ('items' in top) top.items.push(value);
    // Map.set on a key already present keeps its first position and takes the new value.
    else top.members.set(top.key, `${top.keyToken}:${value}`);
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x3a /* : */) continue;
    if (c === 0x22) {
      const end = stringEnd(text, i);
      const token = text.slice(i, end);
      const top = stack[stack.length - 1];
      if (expectKey && top && 'members' in top) {
        top.keyToken = token;
        top.key = sawEscape ? (JSON.parse(token) as string) : token.slice(1, -1);
        expectKey = false;
      } else attach(token);
      i = end - 1;
    } else if (c === 0x7b) {
      stack.push({ members: new Map(), keyToken: '', key: '' });
      expectKey = true;
    } else if (c === 0x5b) {
      stack.push({ items: [] });
    } else if (c === 0x7d || c === 0x5d) {
      const done = stack.pop()!;
      expectKey = false;
      attach('items' in done ? `[${done.items.join(',')}]` : `{${[...done.members.values()].join(',')}}`);
    } else if (c === 0x2c) {
      const top = stack[stack.length - 1];
      expectKey = top !== undefined && 'members' in top;
    } else {
      // A number, true, false or null: up to the next delimiter.
      let j = i + 1;
      while (j < text.length && !isDelimiter(text.charCodeAt(j))) j++;
      attach(text.slice(i, j));
      i = j - 1;
    }
  }
  return result;
}

/** Whether the string token stringEnd last walked holds an escape. */
let sawEscape = false;

/** Offset just past the string token that starts at `i` (a `"`). */
function stringEnd(text: string, i: number): number {
  sawEscape = false;
  for (let j = i + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === 0x5c /* \ */) {
      sawEscape = true;
      j++;
    } else if (c === 0x22) return j + 1;
  }
  return text.length;
}

function isDelimiter(c: number): boolean {
  return c === 0x2c || c === 0x7d || c === 0x5d || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** No lone surrogate: the string has a UTF-8 form. */
export function isWellFormed(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}
