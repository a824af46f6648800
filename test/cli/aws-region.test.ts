// The aws target's region follows the SDK's standard chain (AWS_REGION, else the profile's region
// in the shared config file); a "region" in the --conf settings overrides it. Checked where it
// matters: the region each Kinesis request is signed for, as a local endpoint receives it (the
// credential scope of its Authorization header), and the region the plan names.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { useEnvironment } from '../runtime/helpers/moto.ts';
import { Scratch } from './helpers.ts';

let server: Server;
let endpoint: string;
/** The region of each request's credential scope, in arrival order. */
let signedFor: string[] = [];
const scratch = new Scratch();
let restore: (() => void) | undefined;

test.before(async () => {
  server = createServer((req, res) => {
    const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(req.headers.authorization ?? '');
    if (scope) signedFor.push(`${scope[1]} ${scope[2]}`);
    req.resume();
    res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
    res.end(JSON.stringify({ __type: 'ResourceNotFoundException', message: 'Stream orders under this account not found.' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  writeFileSync(path.join(scratch.dir, 'orders.wshed'), 'stream orders { shards 1 }\nreservoir orders_archive { from stream orders at "s3://acme-lake/orders" }\n');
  writeFileSync(path.join(scratch.dir, 'override.json'), JSON.stringify({ region: 'ap-south-1' }));
  writeFileSync(path.join(scratch.dir, 'aws-config'), '[default]\nregion = us-west-2\n\n[profile analytics]\ns3 =\n  region = eu-north-1\nregion = ca-central-1\n');
  writeFileSync(path.join(scratch.dir, 'aws-credentials'), '[default]\naws_access_key_id = testing\naws_secret_access_key = testing\n\n[analytics]\naws_access_key_id = testing\naws_secret_access_key = testing\n');
});
test.after(async () => {
  restore?.();
  scratch.dispose();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
test.before.each(() => {
  signedFor = [];
  restore?.();
  // Nothing leaves this machine: every service's endpoint is the local one; AWS_REGION only where a test sets it.
  // AWS_REGION and AWS_PROFILE are listed so that they are restored afterwards, then removed.
  restore = useEnvironment({ AWS_REGION: 'unset', AWS_PROFILE: 'unset', AWS_ENDPOINT_URL: endpoint, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: path.join(scratch.dir, 'aws-config'), AWS_SHARED_CREDENTIALS_FILE: path.join(scratch.dir, 'aws-credentials') });
  delete process.env.AWS_REGION;
  delete process.env.AWS_PROFILE;
});

async function tail(...extra: string[]): Promise<string> {
  const r = await scratch.start(['tail', 'orders', '--target', 'aws', '--limit', '1', ...extra]).done;
  assert.is.not(r.code, 0, 'the endpoint knows no stream');
  assert.not.match(r.stderr, /\n\s+at /, 'no stack trace');
  assert.ok(signedFor.length > 0, `no request reached the endpoint: ${r.stderr}`);
  const regions = [...new Set(signedFor)];
  assert.is(regions.length, 1, regions.join(', '));
  return regions[0];
}

test('AWS_REGION decides where Kinesis requests go, and the plan names it', async () => {
  process.env.AWS_REGION = 'eu-west-3';
  assert.is(await tail(), 'eu-west-3 kinesis');
  const plan = scratch.wshed(['plan', 'orders.wshed', '--target', 'aws', '--offline']);
  assert.is(plan.code, 0, plan.stderr);
  assert.match(plan.stdout, /region\s+= "eu-west-3"/);
});

test('without AWS_REGION, the profile of AWS_PROFILE in the shared config file (its own region, not a nested one)', async () => {
  // The profile's credentials, as a user of profiles has them (not also in the environment).
  delete process.env.AWS_ACCESS_KEY_ID;
  delete process.env.AWS_SECRET_ACCESS_KEY;
  process.env.AWS_PROFILE = 'analytics';
  assert.is(await tail(), 'ca-central-1 kinesis');
  delete process.env.AWS_PROFILE;
  assert.is((signedFor = [], await tail()), 'us-west-2 kinesis', 'the default profile');
});

test('a region in the --conf settings overrides the chain', async () => {
  process.env.AWS_REGION = 'eu-west-3';
  assert.is(await tail('--conf', 'override.json'), 'ap-south-1 kinesis');
});

test('an AWS_REGION that is no region is one line naming it', () => {
  process.env.AWS_REGION = 'Frankfurt';
  const r = scratch.wshed(['plan', 'orders.wshed', '--target', 'aws', '--offline']);
  assert.is(r.code, 2, r.stderr);
  assert.match(r.stderr, /the AWS region 'Frankfurt' \(from AWS_REGION or the profile\) is not a region such as "us-east-1"/);
});

test('a profile without credentials is one coded line (WS749), no stack trace', async () => {
  delete process.env.AWS_ACCESS_KEY_ID;
  delete process.env.AWS_SECRET_ACCESS_KEY;
  process.env.AWS_PROFILE = 'no-keys';
  writeFileSync(path.join(scratch.dir, 'aws-config-no-keys'), '[profile no-keys]\nregion = eu-west-1\n');
  process.env.AWS_CONFIG_FILE = path.join(scratch.dir, 'aws-config-no-keys');
  const r = await scratch.start(['tail', 'orders', '--target', 'aws', '--limit', '1']).done;
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, /^wshed: error\[WS749\]: no AWS credentials for /m);
  assert.match(r.stderr, /AWS_PROFILE/);
  assert.not.match(r.stderr, /\n\s+at /, 'no stack trace');
  assert.is(signedFor.length, 0, 'nothing was sent');
});

test.run();
