// An AWS service that refuses a request is a failure of the outside world: the CLI prints one
// coded line (WS737) with the service's own error name, message, HTTP status and request id, not a
// stack trace. Checked on a real refusal (moto's S3 answering NoSuchBucket); a plain Error stays a
// bug (null: the top-level handler keeps its stack).

import { GetObjectCommand } from '@aws-sdk/client-s3';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createS3Client } from '../../src/runtime/aws/s3-client.ts';
import { RuntimeError } from '../../src/runtime/runtime-error.ts';
import { worldFailure } from '../../src/runtime/world-failure.ts';
import { startTestMoto, useEnvironment, type TestMoto } from './helpers/moto.ts';

let moto: TestMoto;
let restore: (() => void) | undefined;

test.before(async () => {
  moto = await startTestMoto();
  restore = useEnvironment(moto.env);
});
test.after(async () => {
  await moto.close();
  restore?.();
});

test('a refused AWS request becomes WS737 in one line, with the service words and the request id', async () => {
  const s3 = createS3Client();
  const refused = await s3.send(new GetObjectCommand({ Bucket: 'no-such-bucket-here', Key: 'k' })).then(
    () => null,
    (e: unknown) => e,
  );
  s3.destroy();
  assert.ok(refused, 'moto refused the request');
  const failure = worldFailure(refused, { during: "reading reservoir 'orders_archive'", service: 'S3' });
  assert.instance(failure, RuntimeError);
  assert.is(failure!.code, 'WS737');
  assert.match(failure!.message, /^AWS refused a request to S3 while reading reservoir 'orders_archive': NoSuchBucket: .+ \(HTTP 404(, request id \S+)?\)$/);
  assert.match(failure!.fix, /^correct what it names, then run the command again/);
  assert.not.match(failure!.message, /\n/);
});

test('an error that is not the outside world stays a bug (no code: its stack is kept)', () => {
  assert.is(worldFailure(new TypeError("Cannot read properties of undefined (reading 'x')")), null);
  assert.is(worldFailure(Object.assign(new Error('looks like AWS'), { name: 'Oops' })), null);
});

test.run();
