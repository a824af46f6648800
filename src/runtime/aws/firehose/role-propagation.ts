// A role IAM has just created takes seconds to be usable by other services: Lambda and Firehose
// refuse it meanwhile ("cannot be assumed"). Such calls are retried, on an injectable pause.

import { errorName } from './clients.ts';

export type Pause = (ms: number) => Promise<void>;

export const realPause: Pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const ATTEMPTS = 10;

function isRoleNotReady(err: unknown): boolean {
  const name = errorName(err);
  const message = String((err as Error | null)?.message ?? '');
  return (name === 'InvalidParameterValueException' || name === 'InvalidArgumentException') && /role|assume|sts:/i.test(message);
}

export async function retryWhileRoleIsNew<T>(pause: Pause, call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (attempt >= ATTEMPTS || !isRoleNotReady(err)) throw err;
      await pause(Math.min(1000 * 2 ** (attempt - 1), 8000));
    }
  }
}
