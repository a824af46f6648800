// The job service's uploads (`service.onCluster`), made at upload time from what the plan names:
// the bundle (built from the installed package), the settings it runs with, the served pipeline's
// text and, with `service.tokenFile`, the token. The token is read here and only here: it is in no
// plan, no step text and no message (a failure names the file, never its content).

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SERVICE_FILES } from '../../../compiler/plan/provision-aws.ts';
import type { UploadResourcesStep } from '../../../compiler/plan/types.ts';
import { RuntimeError } from '../../runtime-error.ts';
import { expandHome } from '../tunnel/target.ts';
import { buildServiceBundle } from './service-bundle.ts';

/** wshed serve's own rule (src/service/server.ts MIN_TOKEN_CHARS): checked before anything is launched. */
const MIN_TOKEN_CHARS = 16;

export interface ServiceUploadOptions {
  /** The plan's pipeline file, whose text the service serves. */
  readonly pipeline: string;
  /** The installed package the bundle is built from (default: this one). */
  readonly root?: string;
}

/** Bodies of the service's files by upload name; empty when the step uploads no service. */
export async function serviceUploadBodies(step: UploadResourcesStep, options: ServiceUploadOptions): Promise<Record<string, string | Buffer>> {
  const service = step.service;
  if (!service) return {};
  const bodies: Record<string, string | Buffer> = {};
  // The cheap checks first: a missing or weak token stops the upload before the bundle is built.
  if (service.tokenFile !== null) bodies[SERVICE_FILES.token] = `${readToken(service.tokenFile)}\n`;
  try {
    bodies[service.pipelineFile] = readFileSync(options.pipeline);
  } catch (err) {
    throw new RuntimeError('WS784', { file: options.pipeline, why: (err as NodeJS.ErrnoException).code ?? (err as Error).message });
  }
  bodies[SERVICE_FILES.settings] = `${JSON.stringify(service.settings, null, 2)}\n`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wshed-service-bundle-'));
  try {
    const out = path.join(dir, SERVICE_FILES.bundle);
    await buildServiceBundle(out, options.root);
    bodies[SERVICE_FILES.bundle] = readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return bodies;
}

/** The token as `wshed serve --token-file` reads it: the first line, spaces trimmed. */
function readToken(file: string): string {
  let text: string;
  try {
    text = readFileSync(expandHome(file), 'utf8');
  } catch (err) {
    throw new RuntimeError('WS781', { file, why: (err as NodeJS.ErrnoException).code ?? (err as Error).message });
  }
  const token = (text.split(/\r?\n/)[0] ?? '').trim();
  if (token.length < MIN_TOKEN_CHARS) throw new RuntimeError('WS782', { file, min: MIN_TOKEN_CHARS });
  return token;
}
