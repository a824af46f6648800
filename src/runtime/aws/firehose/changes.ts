// What provisioning a Firehose reservoir did, one entry per resource, Terraform style: created,
// updated (with what differed) or unchanged. Plain data: the CLI prints it, tests read it.

export type FirehoseResource = 'iam-role' | 'lambda-function' | 'glue-database' | 'glue-table' | 'delivery-stream';

export interface ResourceChange {
  readonly resource: FirehoseResource;
  readonly name: string;
  readonly action: 'create' | 'update' | 'unchanged';
  /** For an update: each differing setting, `what: live → desired`. */
  readonly details: readonly string[];
  /** The resource's ARN when known (null: a role a dry run would create). */
  readonly arn?: string | null;
}

export function describeChange(c: ResourceChange): string {
  const mark = c.action === 'create' ? '+' : c.action === 'update' ? '~' : '=';
  const verb = c.action === 'create' ? 'created' : c.action === 'update' ? 'updated' : 'unchanged';
  const details = c.details.length > 0 ? ` (${c.details.join('; ')})` : '';
  return `${mark} ${c.resource} ${c.name} ${verb}${details}`;
}

/** Settings that differ between live and desired, as `what: live → desired` (JSON values). */
export function differences(live: Readonly<Record<string, unknown>>, desired: Readonly<Record<string, unknown>>): string[] {
  const out: string[] = [];
  for (const key of Object.keys(desired)) {
    const a = canonical(live[key]);
    const b = canonical(desired[key]);
    if (a !== b) out.push(`${key}: ${a ?? '(none)'} → ${b ?? '(none)'}`);
  }
  return out;
}

/** JSON with object keys sorted, so documents compare by content; undefined stays undefined. */
export function canonical(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as object)
        .sort()
        .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}
