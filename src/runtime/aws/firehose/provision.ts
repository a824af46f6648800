// provisionFirehose: brings one Firehose reservoir to the state its plan step declares, read →
// diff → apply per resource, in dependency order: the roles (unless firehose.roleArn is given),
// the transformation Lambda, the Glue table (Parquet), then the delivery stream. Running it again
// changes nothing that is already right; each resource says created, updated or unchanged.

import type { FirehoseStep } from '../../../compiler/plan/types.ts';
import { isRuntimeError, RuntimeError } from '../../runtime-error.ts';
import { ensureGlueTable } from '../glue-table.ts';
import { arnContextOf, bucketArn, deliveryPolicy, firehoseTrustPolicy, functionArn, lambdaTrustPolicy, streamArn, transformPolicy, type ArnContext } from '../iam/policies.ts';
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
  /** Change nothing: read, compare, and say what provisioning would do (for `wshed plan`). */
  readonly dryRun?: boolean;
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

  const apply = !options.dryRun;
  let ctx: ArnContext;
  let deliveryRole: string;
  let transformRole: string;
  if (step.roles) {
    const roles = step.roles;
    const transform = await guarded('IAM role', roles.transform, () =>
      ensureRole(
        clients.iam,
        {
          name: roles.transform,
          description: `watershed: runs the Firehose transformation of ${step.reservoir}`,
          trust: lambdaTrustPolicy(),
          policy: (arn) => transformPolicy(arnContextOf(arn, step.region), step),
        },
        apply,
      ),
    );
    settle(transform);
    // The account comes from the role's ARN; a dry run before anything exists takes the delivery
    // stream's, or none (then everything is to be created and no ARN is compared).
    ctx = transform.arn ? arnContextOf(transform.arn, step.region) : await contextWithoutRole(clients, step);
    const delivery = await guarded('IAM role', roles.delivery, () =>
      ensureRole(
        clients.iam,
        {
          name: roles.delivery,
          description: `watershed: Firehose ${step.name} reads ${step.sourceStream} into s3://${step.bucket}/${step.reservoirPrefix}`,
          trust: firehoseTrustPolicy(ctx.account),
          policy: () => deliveryPolicy(ctx, step),
        },
        apply,
      ),
    );
    settle(delivery);
    deliveryRole = delivery.arn ?? roleArn(ctx, roles.delivery);
    transformRole = transform.arn ?? roleArn(ctx, roles.transform);
  } else {
    deliveryRole = transformRole = step.roleArn!;
    ctx = arnContextOf(step.roleArn!, step.region);
  }

  const fn = settle(
    await guarded('Lambda function', step.transform.functionName, () =>
      ensureTransformFunction(clients.lambda, step, transformRole, code, pause, { apply, expectedArn: functionArn(ctx, step.transform.functionName) }),
    ),
  );

  if (step.formatConversion) {
    const { glueDatabase, glueTable } = step.formatConversion;
    const glue = await guarded('Glue table', `${glueDatabase}.${glueTable}`, () =>
      ensureGlueTable(clients.glue, { database: glueDatabase, table: glueTable, bucket: step.bucket, prefix: step.reservoirPrefix, partition: step.partition }, apply),
    );
    for (const c of glue) settle(c);
  }

  const desired = createRequest(step, { streamArn: streamArn(ctx, step.sourceStream), bucketArn: bucketArn(ctx, step.bucket), roleArn: deliveryRole, functionArn: fn.arn });
  await guarded('delivery stream', step.name, async () => {
    let current = await readDeliveryStream(clients.firehose, step.name);
    // A run interrupted just after creating it: Firehose takes no update until it is ACTIVE.
    if (current?.DeliveryStreamStatus === 'CREATING' && apply) {
      await waitForActive(clients.firehose, step.name, pause);
      current = await readDeliveryStream(clients.firehose, step.name);
    }
    const diff = diffDeliveryStream(current, desired);
    if (!apply) {
      if (diff.kind === 'replace') throw new RuntimeError('WS801', { name: step.name, live: diff.live, desired: diff.desired });
      settle({ resource: 'delivery-stream', name: step.name, action: diff.kind === 'absent' ? 'create' : diff.kind === 'update' ? 'update' : 'unchanged', details: diff.kind === 'update' ? diff.details : [] });
      return;
    }
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

/** What provisioning would do, changing nothing: the same changes, read and compared only. */
export function previewFirehose(clients: FirehoseClients, step: FirehoseStep, options: Omit<ProvisionFirehoseOptions, 'dryRun'> = {}): Promise<ProvisionFirehoseResult> {
  return provisionFirehose(clients, step, { ...options, dryRun: true });
}

function roleArn(c: ArnContext, name: string): string {
  return `arn:${c.partition}:iam::${c.account}:role/${name}`;
}

/** Only for a dry run whose roles do not exist yet. */
async function contextWithoutRole(clients: FirehoseClients, step: FirehoseStep): Promise<ArnContext> {
  const live = await readDeliveryStream(clients.firehose, step.name);
  const m = /^arn:([a-z-]+):firehose:[^:]*:(\d{12}):/.exec(live?.DeliveryStreamARN ?? '');
  return m ? { partition: m[1], region: step.region, account: m[2] } : { partition: 'aws', region: step.region, account: '000000000000' };
}
