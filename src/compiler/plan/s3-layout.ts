// Where reservoirs live on S3 on the aws target: local-looking paths from .wshed files are mapped
// into the configured bucket, and Firehose gets a prefix expression producing the same folders.

import { QUARANTINE_FOLDER, type PartitionScheme } from '../record-layout.ts';

export type S3Mapping = { readonly ok: true; readonly bucket: string; readonly prefix: string } | { readonly ok: false; readonly why: string };

/**
 * Maps a reservoir path to `s3://<bucket>/<prefix>`: a leading `./` or `/` is dropped, then a
 * leading `.wshed/` (watershed's local home), so `./.wshed/reservoir/orders` becomes
 * `reservoir/orders` and `data/orders` stays `data/orders`. Prefixes have no trailing slash,
 * as in s3:// locations written in .wshed files. Paths that climb out (`..`) have no mapping.
 */
export function mapLocalPath(path: string, bucket: string): S3Mapping {
  const segments = path
    .replace(/\\/g, '/')
    .split('/')
    .filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) return { ok: false, why: `reservoir location '${path}' (it climbs out of the working folder with '..')` };
  if (segments[0] === '.wshed') segments.shift();
  return { ok: true, bucket, prefix: segments.join('/') };
}

/** `prefix/` for a non-empty prefix, '' for the bucket root, so keys can be appended. */
export function folder(prefix: string): string {
  return prefix === '' ? '' : `${prefix.replace(/\/+$/, '')}/`;
}

/**
 * Firehose's custom prefix: the reservoir's Hive-style partition folders from the partition keys
 * the transformation Lambda returns for each record (its own arrival time; `!{timestamp:…}` would
 * use the oldest record of each object and misplace records near a boundary). `area` is `dt` for
 * records and `_quarantine/dt` for quarantine lines. Object names start with `part-`, as the
 * archiver's do, so readers' `part-*` globs find them.
 */
export function firehosePrefix(prefix: string, partition: PartitionScheme): string {
  const hour = partition === 'hourly' ? 'hour=!{partitionKeyFromLambda:hour}/' : '';
  return `${folder(prefix)}!{partitionKeyFromLambda:area}=!{partitionKeyFromLambda:dt}/${hour}part-`;
}

/** Firehose requires `!{firehose:error-output-type}` in the error prefix once the prefix has expressions. */
export function firehoseErrorPrefix(prefix: string): string {
  return `${folder(prefix)}${QUARANTINE_FOLDER}/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/`;
}
