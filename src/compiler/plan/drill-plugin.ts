// The Drill storage plugins that make reservoirs queryable on EMR: one `file` plugin per bucket
// (a plugin reads one file system, s3a://<bucket>), one read-only workspace per reservoir, named
// after the reservoir, and in the configured bucket's plugin one writable workspace for views.

import type { ReservoirFormat } from '../record-layout.ts';

export interface PluginWorkspace {
  readonly reservoir: string;
  /** Key prefix in the bucket, without slashes at either end ('' for the bucket root). */
  readonly prefix: string;
  readonly format: ReservoirFormat;
}

/**
 * The body Drill's REST API takes as `config` (POST /storage/<name>.json with {name, config}).
 * Credentials come from the cluster's instance profile through S3A's default provider chain, so
 * the plugin holds no keys. `defaultInputFormat` matters for Firehose objects, which carry no
 * file extension for Drill to go by.
 */
/** The plugin's one writable workspace, where watershed keeps its Drill views (`<stream>_stream`). */
export const DRILL_VIEWS_WORKSPACE = 'wshed_views';
/** Its folder under the cluster's resources prefix. Drill refuses an S3 workspace with no object under it: the upload puts a marker there. */
export const DRILL_VIEWS_FOLDER = 'views';

/**
 * The plugin of a bucket: the configured bucket's is the settings' `drill.storagePlugin`, any other
 * bucket's is that name, '_' and the bucket name with '.' and '-' as '_' (`wshed_acme_lake`), so
 * SQL names it without quoting trouble. Two buckets can map to one name (`a.b`, `a-b`): the plan
 * reports that (WS503).
 */
export function drillPluginName(basePlugin: string, bucket: string, configuredBucket: string): string {
  return bucket === configuredBucket ? basePlugin : `${basePlugin}_${bucket.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

/**
 * `viewsPrefix`: the writable views workspace's key prefix (the configured bucket's plugin only),
 * else null. `s3a`: the settings' `drill.s3a` properties, laid over the plugin's own.
 */
export function drillStoragePlugin(
  bucket: string,
  region: string,
  workspaces: readonly PluginWorkspace[],
  viewsPrefix: string | null,
  s3a: Readonly<Record<string, string>> = {},
): Record<string, unknown> {
  const ws: Record<string, unknown> = {};
  if (viewsPrefix !== null) {
    ws[DRILL_VIEWS_WORKSPACE] = { location: `/${viewsPrefix.replace(/^\/+|\/+$/g, '')}`, writable: true, defaultInputFormat: null, allowAccessOutsideWorkspace: false };
  }
  for (const w of workspaces) {
    ws[w.reservoir] = {
      location: `/${w.prefix}`,
      writable: false,
      defaultInputFormat: w.format,
      allowAccessOutsideWorkspace: false,
    };
  }
  return {
    type: 'file',
    enabled: true,
    connection: `s3a://${bucket}`,
    config: { 'fs.s3a.endpoint': `s3.${region}.amazonaws.com`, ...s3a },
    workspaces: ws,
    formats: {
      json: { type: 'json', extensions: ['json'] },
      parquet: { type: 'parquet' },
    },
  };
}
