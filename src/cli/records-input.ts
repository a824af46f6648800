// Reads the lines `wshed put` sends: from a file or standard input (spooled to a file first, so
// a bad line is found before anything is sent), each checked as JSON unless raw. Lines are bytes,
// split at \n (a \r before it is dropped), never decoded: what the file holds is what is sent.

import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { utf8SequenceLength } from '../runtime/printable-text.ts';
import { checkPayload } from '../runtime/reservoir/record-encoding.ts';
import { isWellFormed } from '../runtime/reservoir/payload-text.ts';
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
      if (isBlank(line)) continue;
      if (!options.raw) {
        const check = checkPayload(line);
        if (!check.ok) throw new UsageError(`${shown}:${lineNo}: ${lineProblem(line, check.error)}; nothing was sent (use --raw to send lines as they are)`);
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

/** The lines of a file as bytes, at \n; a \r ending a line (CRLF files) is dropped. */
export async function* readLines(file: string): AsyncGenerator<Buffer> {
  // The start of a line that has not ended yet, in pieces: joined once, when its \n comes.
  let pending: Buffer[] = [];
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    let start = 0;
    for (let nl = chunk.indexOf(0x0a); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
      const tail = chunk.subarray(start, nl);
      yield withoutCr(pending.length > 0 ? Buffer.concat([...pending, tail]) : tail);
      pending = [];
      start = nl + 1;
    }
    if (start < chunk.length) pending.push(chunk.subarray(start));
  }
  if (pending.length > 0) yield withoutCr(Buffer.concat(pending));
}

function withoutCr(line: Buffer): Buffer {
  return line.length > 0 && line[line.length - 1] === 0x0d ? line.subarray(0, -1) : line;
}

/** A line of only spaces and tabs (or nothing) is skipped, not sent. */
export function isBlank(line: Buffer): boolean {
  for (const b of line) if (b !== 0x20 && b !== 0x09 && b !== 0x0d) return false;
  return true;
}

/** Why a line is not a record every reader reads alike, with the byte where UTF-8 breaks. */
function lineProblem(line: Buffer, error: string): string {
  if (error === 'data is not valid UTF-8') {
    const at = firstBadByte(line);
    return `not valid UTF-8 (byte ${at + 1} of the line is 0x${line[at].toString(16).padStart(2, '0')})`;
  }
  return error.replace(/^data (is )?/, '');
}

/** Offset of the first byte that starts no valid UTF-8 sequence. */
function firstBadByte(b: Buffer): number {
  let i = 0;
  for (let n = utf8SequenceLength(b, i); n > 0 && i < b.length; n = utf8SequenceLength(b, i)) i += n;
  return Math.min(i, b.length - 1);
}

/** The partition key of a line: the value at `keyPath` in its JSON, else a hash of the line. */
export function partitionKeyOf(line: Buffer, keyPath: readonly string[] | null): { key: string; fromPath: boolean } {
  if (keyPath && isUtf8(line)) {
    try {
      let value: unknown = JSON.parse(line.toString('utf8'));
      for (const segment of keyPath) value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[segment] : undefined;
      if (value !== undefined && value !== null && value !== '') {
        const key = typeof value === 'string' ? value : JSON.stringify(value);
        // Kinesis partition keys are 1–256 Unicode characters (a lone surrogate is none).
        if (key.length <= 256 && isWellFormed(key)) return { key, fromPath: true };
      }
    } catch {
      // not JSON (a --raw line): fall through to the hash
    }
  }
  return { key: createHash('md5').update(line).digest('hex'), fromPath: false };
}
