// The aws settings' `service` block (the job service hosted on the cluster): how it is checked, and
// what it puts in the plan (the upload step's files, the emr-cluster step's bootstrap action, the
// tunnel's jobs forward). The token itself is never a setting.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mergeConfig, validateTargetConfig } from '../../src/compiler/config/validate.ts';
import { buildPlan } from '../../src/compiler/plan/build.ts';
import { renderPlan } from '../../src/compiler/plan/render.ts';
import type { AwsTargetConfig } from '../../src/compiler/target-config.ts';
import { confJson, model, NOW, ordersArchive, step } from './fixtures.ts';

const withService = (service: Record<string, unknown>, more: Record<string, unknown> = {}) => mergeConfig(confJson('aws'), { service, ...more });
const messages = (json: unknown) => validateTargetConfig('my.json', json).diagnostics.map((d) => [d.message, d.hints]);

test('the shipped service block is off, and on it takes exactly one of tokenFile and tokenParameter', () => {
  assert.equal((confJson('aws') as { service: unknown }).service, { onCluster: false, port: 8080, tokenFile: null, tokenParameter: null, nodeUrl: null });
  assert.equal(messages(withService({ onCluster: true, tokenFile: '~/.wshed/service-token' })), []);
  assert.equal(messages(withService({ onCluster: true, tokenParameter: '/wshed/service-token', nodeUrl: 'https://nodejs.org/dist/v20.19.0/node-v20.19.0-linux-x64.tar.gz' })), []);
  assert.equal(messages(withService({ onCluster: true })), [
    ['my.json: service: expected "tokenFile" or "tokenParameter" with "onCluster": true (the service on the cluster needs a token), got neither', []],
  ]);
  assert.equal(messages(withService({ onCluster: true, tokenFile: 'token.txt', tokenParameter: '/wshed/t' })), [['my.json: service: expected one of "tokenFile" and "tokenParameter", got both', []]]);
});

test('each mistake in the service block is reported with its path: unknown key, wrong type, port, SSM name', () => {
  assert.equal(messages(withService({ onClustr: true, port: 70000, nodeUrl: 'ftp://x' })), [
    ['my.json: service.onClustr: unknown setting', ["did you mean 'onCluster'?"]],
    ['my.json: service.port: expected a port number (1 to 65535), got 70000', []],
    ['my.json: service.nodeUrl: expected an https://, http:// or s3:// URL of a Node.js 20 tarball (linux-x64), or null, got "ftp://x"', []],
  ]);
  assert.equal(messages(withService({ onCluster: 'yes', port: 0 })), [
    ['my.json: service.onCluster: expected true or false, got "yes"', []],
    ['my.json: service.port: expected a port number (1 to 65535), got 0', []],
  ]);
  const ssm = (name: string) => messages(withService({ onCluster: true, tokenParameter: name }));
  const expected = (name: string) => `my.json: service.tokenParameter: expected an SSM parameter name such as "/wshed/service-token", or null, got ${JSON.stringify(name)}`;
  assert.equal(ssm('arn:aws:ssm:us-east-1:123456789012:parameter/wshed/token'), [[expected('arn:aws:ssm:us-east-1:123456789012:pa...'), ['give the parameter\'s name (e.g. "/wshed/service-token"), not its ARN']]]);
  assert.equal(ssm('/aws/token'), [[expected('/aws/token'), ['names starting with "aws" or "ssm" are reserved by AWS']]]);
  for (const bad of ['wshed/token', '/wshed//token', '/wshed/to ken', '']) assert.equal(ssm(bad).length, 1, bad);
  for (const good of ['/wshed/service-token', 'wshed_token', '/a.b/c-d/e_f']) assert.equal(ssm(good), [], good);
  assert.equal(messages(withService({ tokenFile: 3 })), [['my.json: service.tokenFile: expected the path of a file holding the token, or null, got 3', []]]);
});

test('a token put in the settings is refused without being echoed, saying where a token goes', () => {
  const token = 'not-in-any-message-0123456789';
  const result = validateTargetConfig('my.json', withService({ onCluster: true, tokenFile: 't', token }));
  assert.is(result.config, null);
  assert.equal(
    result.diagnostics.map((d) => d.message),
    ['my.json: service.token: the token itself is never a setting (settings files get committed and pasted): put it in a file and give its path as "tokenFile", or in an SSM SecureString parameter named by "tokenParameter"'],
  );
  assert.not.ok(JSON.stringify(result.diagnostics).includes(token));
});

test('on the primary node the service port must differ from Drill\'s and HiveServer2\'s', () => {
  assert.equal(messages(withService({ onCluster: true, tokenFile: 't', port: 8047 })), [
    ['my.json: service.port: expected a port other than drill.port (both listen on the primary node), got 8047 for both', []],
  ]);
  assert.equal(messages(withService({ onCluster: false, port: 8047 })), [], 'off, the port is not used');
});

const awsPlan = (service: Partial<AwsTargetConfig['service']>) => {
  const config = validateTargetConfig('conf/aws.json', withService({ onCluster: true, ...service })).config as AwsTargetConfig;
  assert.ok(config, 'valid settings');
  return { config, plan: buildPlan(model({ reservoirs: [ordersArchive] }), config, { pipeline: 'pipelines/orders.wshed', now: NOW }).plan };
};

test('onCluster: the upload ships the script, the bundle, the settings, the pipeline and the token file; the cluster gets install-wshed-service', () => {
  const { config, plan } = awsPlan({ tokenFile: 'secrets/service-token', port: 9090 });
  const upload = step(plan, 'upload.cluster-resources', 'upload-cluster-resources');
  const base = 's3://my-wshed-bucket/wshed/cluster/';
  assert.equal(upload.files, ['install-drill.sh', 'drill-storage-plugin.json', 'install-wshed-service.sh', 'wshed-bundle.tgz', 'wshed-service-settings.json', 'pipelines/orders.wshed', 'wshed-service-token']);
  assert.equal(upload.service, { tokenFile: 'secrets/service-token', settings: config, pipelineFile: 'pipelines/orders.wshed' });
  const cluster = step(plan, 'emr.cluster', 'emr-cluster');
  assert.equal(cluster.bootstrapActions.map((b) => b.name), ['install-drill', 'install-wshed-service']);
  assert.equal(cluster.bootstrapActions[1], {
    name: 'install-wshed-service',
    script: `${base}install-wshed-service.sh`,
    args: ['--bundle', `${base}wshed-bundle.tgz`, '--port', '9090', '--drill-url', 'http://localhost:8047', '--token-file', `${base}wshed-service-token`, '--conf', `${base}wshed-service-settings.json`, '--pipeline', `${base}pipelines/orders.wshed`],
  });
  assert.equal(step(plan, 'ssh.tunnel', 'ssh-tunnel').forwards.find((f) => f.service === 'jobs'), { service: 'jobs', localPort: 8080, remotePort: 9090 });
  const text = renderPlan(plan);
  assert.ok(text.split('\n').some((l) => /^\s+bootstrap\s+= install-wshed-service \(/.test(l) && l.includes(`${base}install-wshed-service.sh --bundle ${base}wshed-bundle.tgz --port 9090 `)), text);
});

test('onCluster with an SSM parameter: the node reads it (no token file uploaded); a Node.js tarball is passed on', () => {
  const { plan } = awsPlan({ tokenParameter: '/wshed/service-token', nodeUrl: 's3://my-wshed-bucket/node-v20.tar.gz' });
  assert.not.ok(step(plan, 'upload.cluster-resources', 'upload-cluster-resources').files.includes('wshed-service-token'));
  assert.is(step(plan, 'upload.cluster-resources', 'upload-cluster-resources').service?.tokenFile, null);
  const args = step(plan, 'emr.cluster', 'emr-cluster').bootstrapActions[1]!.args;
  assert.equal(args.slice(args.indexOf('--token-parameter'), args.indexOf('--token-parameter') + 2), ['--token-parameter', '/wshed/service-token']);
  assert.not.ok(args.includes('--token-file'));
  assert.equal(args.slice(-2), ['--node-url', 's3://my-wshed-bucket/node-v20.tar.gz']);
});

test('off (the default): no service files, one bootstrap action, the jobs forward to port 8080', () => {
  const plan = buildPlan(model({ reservoirs: [ordersArchive] }), validateTargetConfig('conf/aws.json', confJson('aws')).config!, { pipeline: 'pipelines/orders.wshed', now: NOW }).plan;
  assert.equal(step(plan, 'upload.cluster-resources', 'upload-cluster-resources').files, ['install-drill.sh', 'drill-storage-plugin.json']);
  assert.is(step(plan, 'upload.cluster-resources', 'upload-cluster-resources').service, undefined);
  assert.equal(step(plan, 'emr.cluster', 'emr-cluster').bootstrapActions.map((b) => b.name), ['install-drill']);
  assert.is(step(plan, 'ssh.tunnel', 'ssh-tunnel').forwards.find((f) => f.service === 'jobs')?.remotePort, 8080);
});

test.run();
