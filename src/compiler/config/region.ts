// Which region the aws target uses: a `region` in the user's settings (--conf) is an explicit
// override; otherwise the SDK's standard chain decides (AWS_REGION, the profile's region), and only
// when the chain names none does the packaged default (conf/aws.json) apply. Pure: the caller
// reads the chain (src/runtime/aws/region.ts) and the files.

import { isPlainObject } from './rules.ts';

export type RegionSource = 'settings' | 'chain' | 'default';

/**
 * The merged settings with `region` decided: `defaults` is conf/aws.json, `override` the --conf
 * file's JSON (undefined without one), `chainRegion` what the standard chain names (null:
 * nothing). A `"region": null` in the override asks for the chain explicitly.
 */
export function decideRegion(defaults: unknown, merged: unknown, override: unknown, chainRegion: string | null): { json: unknown; source: RegionSource } {
  if (!isPlainObject(merged) || merged.target !== 'aws') return { json: merged, source: 'default' };
  const explicit = isPlainObject(override) && typeof override.region === 'string' ? override.region : null;
  if (explicit !== null) return { json: merged, source: 'settings' };
  if (chainRegion !== null) return { json: { ...merged, region: chainRegion }, source: 'chain' };
  const fallback = isPlainObject(defaults) ? defaults.region : undefined;
  return { json: { ...merged, region: fallback }, source: 'default' };
}
