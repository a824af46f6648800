// The Drill storage plugin that makes reservoirs queryable on EMR: one `file` plugin over
// s3a://<bucket>, one read-only workspace per reservoir, named after the reservoir, and one writable
// workspace for watershed's views.

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

export function drillStoragePlugin(bucket: string, region: string, workspaces: readonly PluginWorkspace[], viewsPrefix: string): Record<string, unknown> {
  const ws: Record<string, unknown> = {
    [DRILL_VIEWS_WORKSPACE]: { location: `/${viewsPrefix.replace(/^\/+|\/+$/g, '')}`, writable: true, defaultInputFormat: null, allowAccessOutsideWorkspace: false },
  };
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
    config: { 'fs.s3a.endpoint': `s3.${region}.amazonaws.com` },
    workspaces: ws,
    formats: {
      json: { type: 'json', extensions: ['json'] },
      parquet: { type: 'parquet' },
    },
  };
}
