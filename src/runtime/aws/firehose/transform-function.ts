// The transformation Lambda: read (GetFunction) → compare code hash and configuration →
// CreateFunction, or UpdateFunctionCode / UpdateFunctionConfiguration for what differs.

import {
  CreateFunctionCommand,
  GetFunctionCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdatedV2,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import type { FirehoseStep } from '../../../compiler/plan/types.ts';
import { SETTINGS_ENV } from '../../../lambda/firehose-transform.ts';
import { differences, type ResourceChange } from './changes.ts';
import { errorName } from './clients.ts';
import { LAMBDA_HANDLER, type LambdaPackage } from './lambda-code.ts';
import { retryWhileRoleIsNew, type Pause } from './role-propagation.ts';

// nodejs20.x reached its end of support in 2026; the bundle targets Node 20 and runs on 22.
export const LAMBDA_RUNTIME = 'nodejs22.x';

export function functionSettings(step: FirehoseStep, roleArn: string) {
  return {
    Runtime: LAMBDA_RUNTIME,
    Handler: LAMBDA_HANDLER,
    Role: roleArn,
    Timeout: step.transform.timeoutSeconds,
    MemorySize: step.transform.memoryMb,
    Environment: { Variables: { [SETTINGS_ENV.stream]: step.sourceStream, [SETTINGS_ENV.partition]: step.partition, [SETTINGS_ENV.format]: step.format } },
  } as const;
}

export async function ensureTransformFunction(
  lambda: LambdaClient,
  step: FirehoseStep,
  roleArn: string,
  code: LambdaPackage,
  pause: Pause,
  /** False: change nothing, say what would change (`arn` is then the expected one). */
  apply: { readonly apply: boolean; readonly expectedArn: string } = { apply: true, expectedArn: '' },
): Promise<ResourceChange & { arn: string }> {
  const name = step.transform.functionName;
  const desired = functionSettings(step, roleArn);
  const live = await lambda.send(new GetFunctionCommand({ FunctionName: name })).catch((err) => {
    if (errorName(err) === 'ResourceNotFoundException') return null;
    throw err;
  });
  if (!live?.Configuration?.FunctionArn) {
    if (!apply.apply) return { resource: 'lambda-function', name, action: 'create', details: [], arn: apply.expectedArn };
    const created = await retryWhileRoleIsNew(pause, () =>
      lambda.send(
        new CreateFunctionCommand({
          FunctionName: name,
          Description: `watershed: writes ${step.reservoir}'s record layout for Firehose ${step.name}`,
          Code: { ZipFile: code.zip },
          Tags: { 'wshed:reservoir': step.reservoir },
          ...desired,
        }),
      ),
    );
    return { resource: 'lambda-function', name, action: 'create', details: [], arn: created.FunctionArn! };
  }
  const c = live.Configuration;
  const arn = c.FunctionArn!;
  const details = differences(
    { Runtime: c.Runtime, Handler: c.Handler, Role: c.Role, Timeout: c.Timeout, MemorySize: c.MemorySize, Environment: c.Environment?.Variables },
    { ...desired, Environment: desired.Environment.Variables },
  );
  if (details.length > 0 && apply.apply) {
    await retryWhileRoleIsNew(pause, () => lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, ...desired })));
    await waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: 120 }, { FunctionName: name }).catch(() => {});
  }
  if (c.CodeSha256 !== code.sha256) {
    if (apply.apply) await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: code.zip }));
    details.push('code');
  }
  return { resource: 'lambda-function', name, action: details.length > 0 ? 'update' : 'unchanged', details, arn };
}
