// The job service's token read from a file (`--token-file`, for `wshed serve` and `wshed jobs`), so
// it is in no command line, process list or shell history.

import { readFileSync } from 'node:fs';
import { UsageError } from './io.ts';

/** The token in a file (its first line, spaces trimmed): one line naming the file when it cannot be read. */
export function readTokenFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read --token-file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return (text.split(/\r?\n/)[0] ?? '').trim();
}
