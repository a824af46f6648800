// upload-resources: what the cluster reads at launch (the bootstrap scripts, the Drill storage
// plugin configuration, and with service.onCluster the job service's bundle and files) put under s3://<bucket>/<resourcesPrefix>. Written every time: the
// objects are small, and a changed script must reach the next launch.

import { PutObjectCommand } from '@aws-sdk/client-s3';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DRILL_VIEWS_FOLDER } from '../../../compiler/plan/drill-plugin.ts';
import { SERVICE_FILES } from '../../../compiler/plan/provision-aws.ts';
import type { UploadResourcesStep } from '../../../compiler/plan/types.ts';
import { RuntimeError } from '../../runtime-error.ts';
import type { EmrClients } from './clients.ts';

/** The plugin configuration's file name among the uploads (its content comes from the plan). */
export { DRILL_PLUGIN_FILE as DRILL_PLUGIN_UPLOAD } from '../../../compiler/plan/provision-aws.ts';

/** scripts/emr/ beside the sources (src/runtime/aws/emr) or beside the bundle (dist/). */
export function clusterScriptCandidates(name: string): string[] {
  return [new URL(`../../../../scripts/emr/${name}`, import.meta.url), new URL(`../scripts/emr/${name}`, import.meta.url)].map((u) => fileURLToPath(u));
}

export function readClusterScript(name: string): Buffer {
  const candidates = clusterScriptCandidates(name);
  for (const p of candidates) {
    try {
      return readFileSync(p);
    } catch {
      // the next place
    }
  }
  throw new RuntimeError('WS835', { what: `the cluster file ${name}`, path: candidates.join(', '), why: 'not found' });
}

function contentType(name: string): string {
  if (name.endsWith('.json')) return 'application/json';
  if (name.endsWith('.tgz')) return 'application/gzip';
  if (name.endsWith('.sh')) return 'text/x-shellscript';
  return 'text/plain';
}

/** Puts each named file; `bodies` gives the content of files not shipped in scripts/emr/ (the plugin JSON). */
export async function uploadResources(clients: EmrClients, step: UploadResourcesStep, bodies: Readonly<Record<string, string | Buffer>> = {}): Promise<string[]> {
  const urls: string[] = [];
  for (const name of step.files) {
    const body = bodies[name] ?? readClusterScript(name);
    const key = `${step.prefix}${name}`;
    try {
      await clients.s3.send(
        new PutObjectCommand({
          Bucket: step.bucket,
          Key: key,
          Body: body,
          ContentType: contentType(name),
          // The service's token (service.tokenFile) is encrypted at rest; its readers are the instance profile's.
          ...(name === SERVICE_FILES.token ? { ServerSideEncryption: 'AES256' as const } : {}),
        }),
      );
    } catch (err) {
      throw new RuntimeError('WS833', { what: `uploading s3://${step.bucket}/${key}`, why: (err as Error).message }, { cause: err });
    }
    urls.push(`s3://${step.bucket}/${key}`);
  }
  // Drill's views workspace is refused while no object lies under its prefix (drill-plugin.ts).
  const marker = `${step.prefix}${DRILL_VIEWS_FOLDER}/.keep`;
  try {
    // An empty body gets no content-length header unless given, and the SDK then warns on stderr.
    await clients.s3.send(new PutObjectCommand({ Bucket: step.bucket, Key: marker, Body: '', ContentLength: 0 }));
  } catch (err) {
    throw new RuntimeError('WS833', { what: `writing s3://${step.bucket}/${marker}`, why: (err as Error).message }, { cause: err });
  }
  return urls;
}
