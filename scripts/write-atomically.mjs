// Writes build outputs aside and renames each into place: a process reading dist/ while another
// one builds sees the old file or the new one, never a file cut short.
import fs from 'node:fs/promises';
import path from 'node:path';

/** @param {readonly { path: string; contents: Uint8Array }[]} files */
export async function writeAtomically(files) {
  for (const file of files) {
    await fs.mkdir(path.dirname(file.path), { recursive: true });
    const aside = `${file.path}.${process.pid}.tmp`;
    await fs.writeFile(aside, file.contents);
    await fs.rename(aside, file.path);
  }
}
