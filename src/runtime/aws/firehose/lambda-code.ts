// The transformation Lambda's deployment package: the bundle `npm run build` makes of
// src/lambda/firehose-transform.ts, zipped here with fflate. The zip is byte-for-byte the same
// for the same bundle (fixed timestamps), so its SHA-256 says whether the live code is current.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { zipSync } from 'fflate';
import { RuntimeError } from '../../runtime-error.ts';

export const LAMBDA_FILE = 'firehose-transform.mjs';
/** The function's handler setting: the file (without .mjs) and its export. */
export const LAMBDA_HANDLER = 'firehose-transform.handler';

export interface LambdaPackage {
  readonly zip: Uint8Array;
  /** base64 SHA-256 of the zip, as Lambda reports CodeSha256. */
  readonly sha256: string;
}

/** Where the bundle is: beside the CLI bundle (dist/wshed.mjs) or, run from sources, in dist/. */
export function lambdaBundleCandidates(): string[] {
  return [new URL(`./lambda/${LAMBDA_FILE}`, import.meta.url), new URL(`../../../../dist/lambda/${LAMBDA_FILE}`, import.meta.url)].map((u) => fileURLToPath(u));
}

export function lambdaPackage(bundlePath?: string): LambdaPackage {
  const candidates = bundlePath ? [bundlePath] : lambdaBundleCandidates();
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new RuntimeError('WS800', { paths: candidates.join(', ') });
  return zipBundle(readFileSync(found));
}

export function zipBundle(code: Uint8Array): LambdaPackage {
  // A fixed time (zip's epoch starts in 1980) keeps the archive's bytes a function of the code.
  const zip = zipSync({ [LAMBDA_FILE]: [code, { mtime: new Date(Date.UTC(1980, 0, 1)), level: 9 }] });
  return { zip, sha256: createHash('sha256').update(zip).digest('base64') };
}
