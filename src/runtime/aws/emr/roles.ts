// The cluster's two IAM identities: EMR's service role and the nodes' instance profile. Checked
// before launching, since RunJobFlow's own error on a missing role is obscure; created on request
// as 'aws emr create-default-roles' does (same trust and AWS-managed policies).

import {
  AddRoleToInstanceProfileCommand,
  AttachRolePolicyCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  GetInstanceProfileCommand,
  GetRoleCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import type { EmrClusterStep } from '../../../compiler/plan/types.ts';
import { RuntimeError } from '../../runtime-error.ts';

const SERVICE_POLICY = 'arn:aws:iam::aws:policy/service-role/AmazonElasticMapReduceRole';
const NODE_POLICY = 'arn:aws:iam::aws:policy/service-role/AmazonElasticMapReduceforEC2Role';

const trust = (service: string) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }] });

const missing = (err: unknown) => (err as { name?: string }).name === 'NoSuchEntityException' || (err as { name?: string }).name === 'NoSuchEntity';

async function exists(get: () => Promise<unknown>): Promise<boolean> {
  try {
    await get();
    return true;
  } catch (err) {
    if (missing(err)) return false;
    throw new RuntimeError('WS833', { what: 'reading the cluster roles (IAM)', why: (err as Error).message }, { cause: err });
  }
}

/** Throws WS830 naming the first absent role unless `create`, which creates what is absent. */
export async function ensureClusterRoles(iam: IAMClient, step: EmrClusterStep, create: boolean): Promise<string[]> {
  const created: string[] = [];
  const hasService = await exists(() => iam.send(new GetRoleCommand({ RoleName: step.serviceRole })));
  const hasProfile = await exists(() => iam.send(new GetInstanceProfileCommand({ InstanceProfileName: step.instanceProfile })));
  if (!create) {
    if (!hasService) throw new RuntimeError('WS830', { what: 'service role (emr.serviceRole)', name: step.serviceRole });
    if (!hasProfile) throw new RuntimeError('WS830', { what: 'instance profile (emr.instanceProfile)', name: step.instanceProfile });
    return created;
  }
  try {
    if (!hasService) {
      await iam.send(new CreateRoleCommand({ RoleName: step.serviceRole, AssumeRolePolicyDocument: trust('elasticmapreduce.amazonaws.com') }));
      await iam.send(new AttachRolePolicyCommand({ RoleName: step.serviceRole, PolicyArn: SERVICE_POLICY }));
      created.push(`role ${step.serviceRole}`);
    }
    if (!hasProfile) {
      const roleName = step.instanceProfile;
      if (!(await exists(() => iam.send(new GetRoleCommand({ RoleName: roleName }))))) {
        await iam.send(new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: trust('ec2.amazonaws.com') }));
        await iam.send(new AttachRolePolicyCommand({ RoleName: roleName, PolicyArn: NODE_POLICY }));
      }
      await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: step.instanceProfile }));
      await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: step.instanceProfile, RoleName: roleName }));
      created.push(`instance profile ${step.instanceProfile}`);
    }
  } catch (err) {
    throw new RuntimeError('WS833', { what: 'creating the cluster roles (IAM)', why: (err as Error).message }, { cause: err });
  }
  return created;
}
