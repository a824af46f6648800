// Writing a staged file on this machine's disk: both stores stage locally (the S3 store uploads
// the sealed file), so the loop that writes a buffer whole lives here once.

import type { FileHandle } from 'node:fs/promises';

/** Writes all of `data` at the end of `handle` (a write may take fewer bytes); returns its size. */
export async function appendWhole(handle: FileHandle, data: string | Uint8Array): Promise<number> {
  const buffer = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  for (let offset = 0; offset < buffer.byteLength; ) {
    const { bytesWritten } = await handle.write(buffer, offset, buffer.byteLength - offset);
    offset += bytesWritten;
  }
  return buffer.byteLength;
}
