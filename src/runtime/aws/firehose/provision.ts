// provisionFirehose: brings one Firehose reservoir to the state its plan step declares, read →
// diff → apply per resource, in dependency order: the roles (unless firehose.roleArn is given),
// the transformation Lambda, the Glue table (Parquet), then the delivery stream. Running it again
// changes nothing that is already right; each resource says created, updated or unchanged.

import type { FirehoseStep } from '../../../compiler/plan/types.ts';
import { isRuntimeError, RuntimeError } from '../../runtime-error.ts';
import { ensureGlueTable } from '../glue-table.ts';
import { arnContextOf, bucketArn, deliveryPolicy, firehoseTrustPolicy, lambdaTrustPolicy, streamArn, transformPolicy, type ArnContext } from '../iam/policies.ts';
import { ensureRole } from '../iam/roles.ts';
import type { ResourceChange } from './changes.ts';
import type { FirehoseClients } from './clients.ts';
import { applyDeliveryStream, createRequest, diffDeliveryStream, readDeliveryStream, waitForActive } from './delivery-stream.ts';
import { lambdaPackage, type LambdaPackage } from './lambda-code.ts';
import { realPause, retryWhileRoleIsNew, type Pause } from './role-propagation.ts';
import { ensureTransformFunction } from './transform-function.ts';

export interface ProvisionFirehoseOptions {
  /** Waits between retries and status polls (tests pass one that does not sleep). */
  readonly pause?: Pause;
  /** The Lambda's deployment package (default: the built dist/lambda/firehose-transform.mjs, zipped). */
  readonly code?: LambdaPackage;
  /** Called as each resource is settled, e.g. to print it (describeChange). */
  readonly onChange?: (change: ResourceChange) => void;
}

export interface ProvisionFirehoseResult {
  /** One entry per resource, in the order they were settled. */
  readonly changes: readonly ResourceChange[];
}

export async function provisionFirehose(clients: FirehoseClients, step: FirehoseStep, options: ProvisionFirehoseOptions = {}): Promise<ProvisionFirehoseResult> {
  const pause = options.pause ?? realPause;
  const code = options.code ?? lambdaPackage();
  const changes: ResourceChange[] = [];
  const settle = <T extends ResourceChange>(c: T): T => {
    changes.push(c);
    options.onChange?.(c);
    return c;
  };
  const guarded = <T>(what: string, name: string, call: () => Promise<T>): Promise<T> =>
    call().catch((err: unknown) => {
      if (isRuntimeError(err)) throw err;
      const e = err as Error;
      throw new RuntimeError('WS802', { what, name, why: `${e.name}: ${e.message}` }, { cause: err });
    });

  let ctx: ArnContext;
  let deliveryRole: string;
  let transformRole: string;
  if (step.roles) {
    const transform = await guarded('IAM role', step.roles.transform, () =>
      ensureRole(clients.iam, {
        name: step.roles!.transform,
        description: `watershed: runs the Firehose transformation of ${step.reservoir}`,
        trust: lambdaTrustPolicy(),
        policy: (arn) => transformPolicy(arnContextOf(arn, step.region), step),
      }),
    );
    settle(transform);
    ctx = arnContextOf(transform.arn, step.region);
    const delivery = await guarded('IAM role', step.roles.delivery, () =>
      ensureRole(clients.iam, {
        name: step.roles!.delivery,
        description: `watershed: Firehose ${step.name} reads ${step.sourceStream} into s3://${step.bucket}/${step.reservoirPrefix}`,
        trust: firehoseTrustPolicy(ctx.account),
        policy: () => deliveryPolicy(ctx, step),
      }),
    );
    settle(delivery);
    deliveryRole = delivery.arn;
    transformRole = transform.arn;
  } else {
    deliveryRole = transformRole = step.roleArn!;
    ctx = arnContextOf(step.roleArn!, step.region);
  }

  const fn = settle(
    await guarded('Lambda function', step.transform.functionName, () => ensureTransformFunction(clients.lambda, step, transformRole, code, pause)),
  );

  if (step.formatConversion) {
    const { glueDatabase, glueTable } = step.formatConversion;
    const glue = await guarded('Glue table', `${glueDatabase}.${glueTable}`, () =>
      ensureGlueTable(clients.glue, { database: glueDatabase, table: glueTable, bucket: step.bucket, prefix: step.reservoirPrefix, partition: step.partition }),
    );
    for (const c of glue) settle(c);
  }

  const desired = createRequest(step, { streamArn: streamArn(ctx, step.sourceStream), bucketArn: bucketArn(ctx, step.bucket), roleArn: deliveryRole, functionArn: fn.arn });
  await guarded('delivery stream', step.name, async () => {
    let current = await readDeliveryStream(clients.firehose, step.name);
    // A run interrupted just after creating it: Firehose takes no update until it is ACTIVE.
    if (current?.DeliveryStreamStatus === 'CREATING') {
      await waitForActive(clients.firehose, step.name, pause);
      current = await readDeliveryStream(clients.firehose, step.name);
    }
    const diff = diffDeliveryStream(current, desired);
    await applyDeliveryStream(clients.firehose, diff, desired, (call) => retryWhileRoleIsNew(pause, call));
    if (diff.kind === 'absent') await waitForActive(clients.firehose, step.name, pause);
    const live = await readDeliveryStream(clients.firehose, step.name);
    settle({
      resource: 'delivery-stream',
      name: step.name,
      action: diff.kind === 'absent' ? 'create' : diff.kind === 'update' ? 'update' : 'unchanged',
      details: diff.kind === 'update' ? diff.details : [],
      ...(live?.DeliveryStreamARN ? { arn: live.DeliveryStreamARN } : {}),
    });
  });
  return { changes };
}
