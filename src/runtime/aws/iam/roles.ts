// Creates or brings up to date one IAM role with its trust policy and one inline policy:
// read (GetRole, GetRolePolicy) → compare documents → CreateRole / UpdateAssumeRolePolicy /
// PutRolePolicy. Documents compare by content, whatever key order or URL-encoding IAM returns.

import {
  CreateRoleCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  PutRolePolicyCommand,
  UpdateAssumeRolePolicyCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { canonical, type ResourceChange } from '../firehose/changes.ts';
import { errorName } from '../firehose/clients.ts';
import { INLINE_POLICY_NAME, type PolicyDocument, type TrustPolicy } from './policies.ts';

export interface RoleSpec {
  readonly name: string;
  readonly description: string;
  readonly trust: TrustPolicy;
  /** Built once the account is known (from the role's own ARN). */
  readonly policy: (roleArn: string) => PolicyDocument;
}

/** With `apply` false nothing is changed: the result says what would be (`arn` null for a role yet to create). */
export async function ensureRole(iam: IAMClient, spec: RoleSpec, apply = true): Promise<Omit<ResourceChange, 'arn'> & { arn: string | null }> {
  const live = await iam.send(new GetRoleCommand({ RoleName: spec.name })).catch((err) => {
    if (errorName(err) === 'NoSuchEntityException' || errorName(err) === 'NoSuchEntity') return null;
    throw err;
  });
  if (!live?.Role?.Arn) {
    if (!apply) return { resource: 'iam-role', name: spec.name, action: 'create', details: [], arn: null };
    const created = await iam.send(
      new CreateRoleCommand({
        RoleName: spec.name,
        Description: spec.description,
        AssumeRolePolicyDocument: JSON.stringify(spec.trust),
        Tags: [{ Key: 'wshed:managed', Value: 'true' }],
      }),
    );
    const arn = created.Role!.Arn!;
    await iam.send(new PutRolePolicyCommand({ RoleName: spec.name, PolicyName: INLINE_POLICY_NAME, PolicyDocument: JSON.stringify(spec.policy(arn)) }));
    return { resource: 'iam-role', name: spec.name, action: 'create', details: [], arn };
  }
  const arn = live.Role.Arn;
  const details: string[] = [];
  if (canonical(parseDocument(live.Role.AssumeRolePolicyDocument)) !== canonical(spec.trust)) {
    if (apply) await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: spec.name, PolicyDocument: JSON.stringify(spec.trust) }));
    details.push('trust policy');
  }
  const policy = spec.policy(arn);
  const inline = await iam.send(new GetRolePolicyCommand({ RoleName: spec.name, PolicyName: INLINE_POLICY_NAME })).catch((err) => {
    if (errorName(err) === 'NoSuchEntityException' || errorName(err) === 'NoSuchEntity') return null;
    throw err;
  });
  if (canonical(parseDocument(inline?.PolicyDocument)) !== canonical(policy)) {
    if (apply) await iam.send(new PutRolePolicyCommand({ RoleName: spec.name, PolicyName: INLINE_POLICY_NAME, PolicyDocument: JSON.stringify(policy) }));
    details.push(`policy ${INLINE_POLICY_NAME}`);
  }
  return { resource: 'iam-role', name: spec.name, action: details.length > 0 ? 'update' : 'unchanged', details, arn };
}

/** IAM returns policy documents URL-encoded (RFC 3986); some emulators return them plain. */
export function parseDocument(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return JSON.parse(decodeURIComponent(text));
  }
}
