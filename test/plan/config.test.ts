import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mergeConfig, validateTargetConfig } from '../../src/compiler/config/validate.ts';
import { confJson } from './fixtures.ts';

const problems = (json: unknown) =>
  validateTargetConfig('my.json', json).diagnostics.map((d) => {
    assert.is(d.code, 'WS502');
    assert.equal(d.span, { start: 0, end: 0 });
    return d.message;
  });

test('the shipped defaults for both targets are valid', () => {
  for (const target of ['local', 'aws'] as const) {
    const { config, diagnostics } = validateTargetConfig(`conf/${target}.json`, confJson(target));
    assert.equal(diagnostics, []);
    assert.is(config?.target, target);
  }
});

test('every problem is reported at once, each with its path and why', () => {
  const json = mergeConfig(confJson('aws'), {
    region: 'US East',
    emr: { instanceGroups: [{ role: 'MASTER', instanceType: 'm5.xlarge', count: 1 }, { role: 'CORE', instanceType: 'm5.xlarge', count: 'two' }] },
    ssh: { localDrillPort: 70000 },
    hive: { database: 'my-db' },
  });
  const result = validateTargetConfig('my.json', json);
  assert.is(result.config, null);
  assert.equal(
    result.diagnostics.map((d) => d.message),
    [
      'my.json: region: expected an AWS region such as "us-east-1", got "US East"',
      'my.json: emr.instanceGroups[1].count: expected a positive integer, got "two"',
      'my.json: ssh.localDrillPort: expected a port number (0 to 65535; 0 picks a free one), got 70000',
      'my.json: hive.database: expected a database name made of letters, digits and underscores, got "my-db"',
    ],
  );
});

test('unknown and missing settings are errors, with a did-you-mean', () => {
  const json = { ...(confJson('local') as Record<string, unknown>), kinesisPrt: 1 };
  delete (json as Record<string, unknown>).kinesisPort;
  const { diagnostics } = validateTargetConfig('my.json', json);
  assert.equal(
    diagnostics.map((d) => [d.message, d.hints]),
    [
      ['my.json: kinesisPrt: unknown setting', ["did you mean 'kinesisPort'?"]],
      ['my.json: kinesisPort: missing; expected a port number (0 to 65535; 0 picks a free one)', []],
    ],
  );
});

test('a missing or unknown target is one error, with a hint', () => {
  assert.equal(problems({}), ['my.json: target: missing; expected "local" or "aws"']);
  const { diagnostics } = validateTargetConfig('my.json', { target: 'aws2' });
  assert.is(diagnostics[0].message, 'my.json: target: expected "local" or "aws", got "aws2"');
  assert.equal(diagnostics[0].hints, ["did you mean 'aws'?"]);
  assert.equal(problems([1, 2]), ['my.json: (top level): expected an object of settings, got a list']);
});

test('secrets are refused without being echoed, wherever they appear', () => {
  const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
  const keyId = 'AKIAIOSFODNN7EXAMPLE';
  const pem = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----';
  const json = mergeConfig(confJson('aws'), {
    secretAccessKey: secret,
    ssh: { keyFile: pem },
    emr: { keyPair: keyId },
    extras: { nested: { apiToken: secret } },
  });
  const { config, diagnostics } = validateTargetConfig('my.json', json);
  assert.is(config, null);
  const text = JSON.stringify(diagnostics);
  for (const s of [secret, keyId, 'b3BlbnNzaC1rZXktdjEAAAAA']) assert.not.ok(text.includes(s), `secret echoed: ${text}`);
  const paths = diagnostics.map((d) => d.message.split(': ')[1]);
  assert.equal(paths, ['secretAccessKey', 'extras', 'extras.nested.apiToken', 'emr.keyPair', 'ssh.keyFile']);
  for (const d of diagnostics.filter((d) => d.message.includes('secret'))) assert.match(d.message, /environment|key file/);
});

test('cross-setting rules: one MASTER group of 1 or 3, distinct tunnel ports', () => {
  const json = mergeConfig(confJson('aws'), {
    emr: { instanceGroups: [{ role: 'MASTER', instanceType: 'm5.xlarge', count: 2 }, { role: 'MASTER', instanceType: 'm5.xlarge', count: 1 }] },
    ssh: { localHivePort: 8047 },
  });
  assert.equal(problems(json), [
    'my.json: emr.instanceGroups: expected exactly one MASTER group, got 2',
    'my.json: emr.instanceGroups[0].count: expected 1 or 3 for the MASTER group, got 2',
    'my.json: ssh.localHivePort: expected a port other than localDrillPort, got 8047 for both',
  ]);
});

test('nullable settings take null or a valid value', () => {
  assert.equal(problems(mergeConfig(confJson('aws'), { emr: { subnetId: 'subnet-0abc1234', logUri: 's3://logs-bucket/emr/' } })), []);
  assert.equal(problems(mergeConfig(confJson('aws'), { firehose: { roleArn: 'role/wshed' } })), [
    'my.json: firehose.roleArn: expected an IAM role ARN such as "arn:aws:iam::123456789012:role/wshed-firehose", or null, got "role/wshed"',
  ]);
});

test('drill.s3a takes fs.s3a.* properties as strings, and refuses other names and keys', () => {
  const provider = { 'fs.s3a.aws.credentials.provider': 'org.apache.hadoop.fs.s3a.AnonymousAWSCredentialsProvider' };
  assert.equal(problems(mergeConfig(confJson('aws'), { drill: { s3a: { 'fs.s3a.endpoint': 'http://127.0.0.1:9000', 'fs.s3a.path.style.access': 'true', ...provider } } })), []);
  const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
  const found = problems(mergeConfig(confJson('aws'), { drill: { s3a: { 'fs.s3a.secret.key': secret, 'hive.metastore.uris': 'x', 'fs.s3a.path.style.access': true } } }));
  assert.equal(found.length, 3, found.join('\n'));
  assert.match(found[0], /drill\.s3a\["fs\.s3a\.secret\.key"\]: looks like a secret/);
  assert.match(found[1], /expected an S3A property name such as "fs\.s3a\.endpoint", got "hive\.metastore\.uris"/);
  assert.match(found[2], /drill\.s3a\["fs\.s3a\.path\.style\.access"\]: expected a string, got true/);
  assert.not.ok(found.join('\n').includes(secret));
});

test('a bucket given as an s3:// URI gets a hint', () => {
  const { diagnostics } = validateTargetConfig('my.json', mergeConfig(confJson('aws'), { bucket: 's3://my-bucket' }));
  assert.equal(diagnostics[0].hints, ['give the bucket name alone, without s3://']);
});

test('mergeConfig: objects merge key by key, lists and scalars replace, inputs stay unchanged', () => {
  const base = { a: 1, nested: { x: 1, y: 2 }, list: [1, 2, 3], keep: 'yes', nullable: 'set' };
  const override = { a: 2, nested: { y: 3, z: 4 }, list: [9], nullable: null };
  const before = JSON.stringify(base);
  assert.equal(mergeConfig(base, override), { a: 2, nested: { x: 1, y: 3, z: 4 }, list: [9], keep: 'yes', nullable: null });
  assert.is(JSON.stringify(base), before);
  assert.equal(mergeConfig(base, undefined), base);
  assert.is(mergeConfig(base, 'text'), 'text');
});

test('mergeConfig keeps a "__proto__" key as data, and validation reports it', () => {
  const merged = mergeConfig(confJson('local'), JSON.parse('{"__proto__": {"polluted": true}}')) as Record<string, unknown>;
  assert.is(({} as Record<string, unknown>).polluted, undefined);
  assert.is(Object.getPrototypeOf(merged), Object.prototype);
  assert.equal(problems(merged), ['my.json: __proto__: unknown setting']);
});

test('an override changes one instance group count', () => {
  const merged = mergeConfig(confJson('aws'), { emr: { instanceGroups: [{ role: 'MASTER', instanceType: 'm5.2xlarge', count: 1 }] } });
  const { config } = validateTargetConfig('my.json', merged);
  assert.ok(config && config.target === 'aws');
  if (config?.target === 'aws') assert.equal(config.emr.instanceGroups, [{ role: 'MASTER', instanceType: 'm5.2xlarge', count: 1 }]);
});

test.run();
