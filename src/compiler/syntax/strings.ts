// Decoding quoted text as written in .wshed files: SQL-style single quotes, JSON-style double
// quotes, verbatim triple quotes and backtick-quoted names. Unterminated forms decode what is there.

export interface BadEscape {
  /** Offset of the backslash from the start of the token. */
  readonly offset: number;
  readonly text: string;
}

export interface Decoded {
  readonly value: string;
  readonly badEscapes: readonly BadEscape[];
}

const SIMPLE_ESCAPES: ReadonlyMap<string, string> = new Map([
  ['"', '"'], ['\\', '\\'], ['/', '/'], ['b', '\b'], ['f', '\f'], ['n', '\n'], ['r', '\r'], ['t', '\t'],
]);

/**
 * JSON escapes (`\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t`, `\uXXXX`). Unlike JSON.parse this
 * accepts raw tabs and other control characters, and names each bad escape instead of failing.
 */
export function decodeDoubleQuoted(image: string, terminated: boolean): Decoded {
  const body = image.slice(1, terminated ? -1 : undefined);
  const badEscapes: BadEscape[] = [];
  let value = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\') {
      value += c;
      continue;
    }
    const next = body[i + 1];
    if (next === undefined) {
      value += c; // only in an unterminated string, which is reported as such
    } else if (SIMPLE_ESCAPES.has(next)) {
      value += SIMPLE_ESCAPES.get(next);
      i++;
    } else if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(body.slice(i + 2, i + 6))) {
      value += String.fromCharCode(parseInt(body.slice(i + 2, i + 6), 16));
      i += 5;
    } else {
      // `\u` with fewer than four hex digits: name the escape as far as it goes.
      const text = next === 'u' ? `\\u${/^[0-9a-fA-F]{0,3}/.exec(body.slice(i + 2))?.[0] ?? ''}` : body.slice(i, i + 2);
      badEscapes.push({ offset: i + 1, text });
      value += text;
      i += text.length - 1;
    }
  }
  return { value, badEscapes };
}

/** `'O''Brien'` → `O'Brien`. */
export function decodeSingleQuoted(image: string, terminated: boolean): string {
  return image.slice(1, terminated ? -1 : undefined).replaceAll("''", "'");
}

/** `"""…"""` holds text verbatim: no escapes, newlines kept. */
export function decodeTripleQuoted(image: string, terminated: boolean): string {
  return image.slice(3, terminated ? -3 : undefined);
}

/** `` `odd name` `` → `odd name`; `` `` `` inside is one backtick. */
export function decodeBacktickName(image: string, terminated: boolean): string {
  return image.slice(1, terminated ? -1 : undefined).replaceAll('``', '`');
}
