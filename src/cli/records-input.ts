// Reads the lines `wshed put` sends: from a file or standard input (spooled to a file first, so
// a bad line is found before anything is sent), each checked as JSON unless raw.

import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { UsageError } from './io.ts';

export interface InputFile {
  readonly path: string;
  readonly lines: number;
  cleanup(): void;
}

/** Spools stdin to a temporary file when `file` is '-', then counts and checks the lines. */
export async function prepareInput(file: string, options: { raw: boolean }): Promise<InputFile> {
  let source = file;
  let cleanup = () => {};
  if (file === '-') {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'wshed-put-'));
    source = path.join(dir, 'stdin.ndjson');
    await pipeline(process.stdin, createWriteStream(source));
    cleanup = () => rmSync(dir, { recursive: true, force: true });
  }
  const shown = file === '-' ? '<stdin>' : file;
  let lines = 0;
  let lineNo = 0;
  try {
    for await (const line of readLines(source)) {
      lineNo++;
      if (line.trim() === '') continue;
      if (!options.raw) {
        try {
          JSON.parse(line);
        } catch (e) {
          throw new UsageError(`${shown}:${lineNo}: not valid JSON (${(e as Error).message}); nothing was sent (use --raw to send lines as they are)`);
        }
      }
      lines++;
    }
  } catch (e) {
    cleanup();
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError(`${shown}: no such file`);
    throw e;
  }
  return { path: source, lines, cleanup };
}

export async function* readLines(file: string): AsyncGenerator<string> {
  const rl = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of rl) yield line;
}

/** The partition key of a line: the value at `keyPath` in its JSON, else a hash of the line. */
export function partitionKeyOf(line: string, keyPath: readonly string[] | null): { key: string; fromPath: boolean } {
  if (keyPath) {
    try {
      let value: unknown = JSON.parse(line);
      for (const segment of keyPath) value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[segment] : undefined;
      if (value !== undefined && value !== null && value !== '') {
        const key = typeof value === 'string' ? value : JSON.stringify(value);
        // Kinesis partition keys are 1–256 Unicode characters.
        if (key.length <= 256) return { key, fromPath: true };
      }
    } catch {
      // not JSON (a --raw line): fall through to the hash
    }
  }
  return { key: createHash('md5').update(line).digest('hex'), fromPath: false };
}
