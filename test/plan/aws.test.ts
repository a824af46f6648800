import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildPlan } from '../../src/compiler/plan/build.ts';
import { mapLocalPath } from '../../src/compiler/plan/s3-layout.ts';
import { NOW, awsConfig, ids, model, orderProblems, ordersArchive, ordersFirehose, step } from './fixtures.ts';

const awsModel = () => model({ reservoirs: [ordersArchive, ordersFirehose] });
const plan = (m = awsModel(), config = awsConfig()) => buildPlan(m, config, { pipeline: 'pipelines/orders.wshed', now: NOW });

test('aws plan: provisioning, cluster, data steps, then termination', () => {
  const { plan: p, diagnostics } = plan();
  // The local locations are placed in the configured bucket, and say so (WS405).
  assert.ok(diagnostics.length > 0 && diagnostics.every((d) => d.code === 'WS405' && d.severity === 'warning'), JSON.stringify(diagnostics));
  assert.is(p.target, 'aws');
  assert.equal(ids(p), [
    'stream.orders',
    'stream.orders_rebuilt',
    'reservoir.orders_archive',
    'reservoir.orders_fh',
    'firehose.orders_fh',
    'upload.cluster-resources',
    'emr.cluster',
    'ssh.tunnel',
    'drill.storage-plugin',
    'hive.orders',
    'archive.orders_archive',
    'archive.orders_fh',
    'views.orders_archive',
    'views.orders_fh',
    'query.big_customers',
    'replay.rebuild',
    'emr.terminate',
  ]);
  assert.equal(orderProblems(p), []);
  const terminate = step(p, 'emr.terminate', 'emr-terminate');
  assert.is(terminate.action, 'destroy');
  assert.is(terminate.cluster, 'wshed');
  // Only the last users of the cluster: the query already waits for every view.
  assert.equal(terminate.after, ['query.big_customers', 'replay.rebuild']);
});

test('local-looking reservoir paths map into the configured bucket', () => {
  const { plan: p } = plan();
  const loc = step(p, 'reservoir.orders_archive', 's3-location');
  assert.equal([loc.bucket, loc.prefix, loc.region, loc.action], ['my-wshed-bucket', 'reservoir/orders_archive', 'us-east-1', 'create']);
  const archive = step(p, 'archive.orders_archive', 'archive');
  assert.equal(archive.location, { kind: 's3', bucket: 'my-wshed-bucket', prefix: 'reservoir/orders_archive' });
  assert.equal(archive.after, ['stream.orders', 'reservoir.orders_archive']);
});

test('mapLocalPath drops ./, / and .wshed/, keeps the rest, refuses ..', () => {
  assert.equal(mapLocalPath('./.wshed/reservoir/orders', 'b'), { ok: true, bucket: 'b', prefix: 'reservoir/orders' });
  assert.equal(mapLocalPath('data/orders/', 'b'), { ok: true, bucket: 'b', prefix: 'data/orders' });
  assert.equal(mapLocalPath('/var/lib//orders', 'b'), { ok: true, bucket: 'b', prefix: 'var/lib/orders' });
  assert.equal(mapLocalPath('.', 'b'), { ok: true, bucket: 'b', prefix: '' });
  assert.is(mapLocalPath('../shared/orders', 'b').ok, false);
});

test('firehose delivery stream writes the reservoir partition folders by each record\'s arrival time and quarantines errors', () => {
  const { plan: p } = plan();
  const fh = step(p, 'firehose.orders_fh', 'firehose-delivery-stream');
  assert.equal(fh.after, ['stream.orders', 'reservoir.orders_fh']);
  assert.equal([fh.name, fh.sourceStream, fh.bucket, fh.reservoirPrefix, fh.roleArn], ['wshed-orders_fh', 'orders', 'my-wshed-bucket', 'reservoir/orders_fh', null]);
  // Folders from the Lambda's partition keys (the record's own arrival), never !{timestamp:…}.
  assert.is(fh.prefix, 'reservoir/orders_fh/!{partitionKeyFromLambda:area}=!{partitionKeyFromLambda:dt}/hour=!{partitionKeyFromLambda:hour}/part-');
  assert.is(fh.errorPrefix, 'reservoir/orders_fh/_quarantine/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/');
  assert.equal([fh.bufferBytes, fh.bufferSeconds, fh.fileExtension, fh.compression], [64 * 1024 ** 2, 300, '.json', 'UNCOMPRESSED']);
  assert.equal([fh.format, fh.partition, fh.formatConversion], ['json', 'hourly', null]);
  assert.equal(fh.transform, { functionName: 'wshed-orders_fh-transform', timeoutSeconds: 60, memoryMb: 256 });
  assert.equal(fh.roles, { delivery: 'wshed-orders_fh-delivery', transform: 'wshed-orders_fh-transform' });
  const archive = step(p, 'archive.orders_fh', 'archive');
  assert.equal([archive.via, archive.everySeconds, archive.after], ['firehose', 300, ['stream.orders', 'reservoir.orders_fh', 'firehose.orders_fh']]);
  const daily = plan(model({ reservoirs: [{ ...ordersFirehose, partition: 'daily' }] })).plan;
  assert.is(step(daily, 'firehose.orders_fh', 'firehose-delivery-stream').prefix, 'reservoir/orders_fh/!{partitionKeyFromLambda:area}=!{partitionKeyFromLambda:dt}/part-');
});

test('parquet via firehose: format conversion against a Glue table; a given role means no roles created', () => {
  const base = awsConfig();
  const roleArn = 'arn:aws:iam::123456789012:role/my-firehose';
  const { plan: p, diagnostics } = plan(model({ reservoirs: [{ ...ordersFirehose, format: 'parquet' }] }), { ...base, firehose: { roleArn } });
  assert.equal(diagnostics.filter((d) => d.code === 'WS501'), []);
  const fh = step(p, 'firehose.orders_fh', 'firehose-delivery-stream');
  assert.equal(fh.formatConversion, { glueDatabase: 'wshed', glueTable: 'orders_fh', compression: 'SNAPPY' });
  assert.equal([fh.fileExtension, fh.roles, fh.roleArn], ['.parquet', null, roleArn]);
});

test('EMR cluster: release, applications, instance groups and the Drill bootstrap action', () => {
  const { plan: p } = plan();
  const upload = step(p, 'upload.cluster-resources', 'upload-cluster-resources');
  assert.equal([upload.bucket, upload.prefix], ['my-wshed-bucket', 'wshed/cluster/']);
  assert.ok(upload.files.includes('install-drill.sh'));
  const emr = step(p, 'emr.cluster', 'emr-cluster');
  assert.equal(emr.after, ['upload.cluster-resources']);
  assert.is(emr.release, 'emr-7.14.0');
  assert.ok(emr.applications.includes('Hadoop') && emr.applications.includes('Hive'));
  assert.not.ok(emr.applications.includes('Drill'));
  assert.equal(emr.instanceGroups, [
    { role: 'MASTER', instanceType: 'm5.xlarge', count: 1 },
    { role: 'CORE', instanceType: 'm5.xlarge', count: 2 },
  ]);
  assert.equal(emr.bootstrapActions, [
    {
      name: 'install-drill',
      script: 's3://my-wshed-bucket/wshed/cluster/install-drill.sh',
      args: ['--version', '1.22.0', '--url', 'https://archive.apache.org/dist/drill/1.22.0/apache-drill-1.22.0.tar.gz', '--cluster-id', 'wshed-drillbits'],
    },
  ]);
  assert.equal([emr.serviceRole, emr.instanceProfile], ['EMR_DefaultRole', 'EMR_EC2_DefaultRole']);
  assert.is(emr.tags['wshed:cluster'], 'wshed');
});

test('SSH tunnel forwards Drill and HiveServer2 and names the key file, never a key', () => {
  const { plan: p } = plan();
  const tunnel = step(p, 'ssh.tunnel', 'ssh-tunnel');
  assert.equal(tunnel.after, ['emr.cluster']);
  assert.equal([tunnel.user, tunnel.keyFile], ['hadoop', '~/.ssh/wshed.pem']);
  assert.equal(tunnel.forwards, [
    { service: 'drill', localPort: 8047, remotePort: 8047 },
    { service: 'hive', localPort: 10000, remotePort: 10000 },
    { service: 'jobs', localPort: 8080, remotePort: 8080 },
  ]);
  assert.is(tunnel.knownHostsFile, '~/.wshed/known_hosts');
});

test('Drill storage plugin: a file plugin over s3a://bucket, one workspace per reservoir', () => {
  const { plan: p } = plan();
  const drill = step(p, 'drill.storage-plugin', 'drill-storage-plugin');
  assert.is(drill.name, 'wshed');
  assert.equal(drill.after, ['ssh.tunnel', 'reservoir.orders_archive', 'reservoir.orders_fh']);
  const config = drill.config as Record<string, any>;
  assert.equal([config.type, config.enabled, config.connection], ['file', true, 's3a://my-wshed-bucket']);
  assert.equal(Object.keys(config.workspaces), ['wshed_views', 'orders_archive', 'orders_fh']);
  // Views go in the one writable workspace, beside the cluster's resources.
  assert.equal((config.workspaces as Record<string, unknown>).wshed_views, { location: '/wshed/cluster/views', writable: true, defaultInputFormat: null, allowAccessOutsideWorkspace: false });
  assert.equal(config.workspaces.orders_archive, { location: '/reservoir/orders_archive', writable: false, defaultInputFormat: 'json', allowAccessOutsideWorkspace: false });
  assert.equal(config.formats, { json: { type: 'json', extensions: ['json'] }, parquet: { type: 'parquet' } });
  assert.not.match(JSON.stringify(config), /secret|access\.key/i);
});

test('Hive table over the live stream: external, Kinesis storage handler, quoted names', () => {
  const { plan: p } = plan();
  const hive = step(p, 'hive.orders', 'hive-live-table');
  assert.equal([hive.stream, hive.database, hive.table, hive.after], ['orders', 'wshed', 'orders_live', ['ssh.tunnel', 'stream.orders']]);
  assert.match(hive.ddl, /CREATE EXTERNAL TABLE IF NOT EXISTS `wshed`\.`orders_live`/);
  assert.match(hive.ddl, /STORED BY 'com\.amazon\.emr\.kinesis\.hive\.KinesisStorageHandler'/);
  assert.match(hive.ddl, /TBLPROPERTIES \('kinesis\.stream\.name' = 'orders', 'kinesis\.endpoint\.region' = 'us-east-1'\)/);
  assert.match(hive.ddl, /^-- .*Assumed/m);
  assert.not.match(hive.ddl, /;\s*$/);
});

test('aws replay and views wait for the SQL engine and the live table', () => {
  const { plan: p } = plan();
  const replay = step(p, 'replay.rebuild', 'replay');
  assert.equal(replay.after, ['archive.orders_archive', 'stream.orders', 'stream.orders_rebuilt', 'drill.storage-plugin', 'hive.orders']);
  assert.ok(step(p, 'views.orders_archive', 'reservoir-views').after.includes('drill.storage-plugin'));
  assert.ok(step(p, 'query.big_customers', 'query').after.includes('drill.storage-plugin'));
});

test('an archive-only model on aws reads no stream live unless its views do', () => {
  const m = model({ replays: [{ ...model().replays[0], source: 'archive' }] });
  const { plan: p } = plan(m);
  const views = step(p, 'views.orders_archive', 'reservoir-views');
  const liveView = views.views.some((v) => v.role === 'live');
  assert.is(ids(p).includes('hive.orders'), liveView);
  assert.not.ok(step(p, 'replay.rebuild', 'replay').after.includes('hive.orders'));
});

test('without terminateAfterRun the cluster stays up', () => {
  const base = awsConfig();
  const { plan: p } = plan(awsModel(), { ...base, emr: { ...base.emr, terminateAfterRun: false } });
  assert.not.ok(ids(p).includes('emr.terminate'));
  assert.ok(p.steps.every((s) => s.action !== 'destroy'));
});

test('WS501 on aws: paths outside the working folder; a reservoir in another bucket gets that bucket\'s Drill plugin', () => {
  const outside = { ...ordersArchive, name: 'outside', location: { kind: 'local' as const, path: '../shared/orders' } };
  const elsewhere = { ...ordersArchive, name: 'elsewhere', location: { kind: 's3' as const, bucket: 'other-bucket', prefix: 'orders' } };
  const { plan: p, diagnostics } = plan(model({ reservoirs: [ordersArchive, outside, elsewhere], replays: [], queries: [] }));
  assert.equal(
    diagnostics.filter((d) => d.code !== 'WS405').map((d) => [d.code, d.span, d.message]),
    [['WS501', outside.span, "reservoir location '../shared/orders' (it climbs out of the working folder with '..') is not supported on target 'aws'"]],
  );
  const other = step(p, 'drill.storage-plugin.other-bucket', 'drill-storage-plugin');
  assert.equal([other.name, other.bucket, (other.config as { connection: string }).connection], ['wshed_other_bucket', 'other-bucket', 's3a://other-bucket']);
  assert.equal(Object.keys((other.config as { workspaces: object }).workspaces), ['elsewhere']);
  assert.is(step(p, 'reservoir.elsewhere', 's3-location').bucket, 'other-bucket');
  // The cluster's resources stay in the configured bucket.
  assert.is(step(p, 'upload.cluster-resources', 'upload-cluster-resources').bucket, 'my-wshed-bucket');
  assert.equal(orderProblems(p), []);
});

test('settings with other names flow into the plan', () => {
  const base = awsConfig();
  const s3a = { 'fs.s3a.endpoint': 'http://127.0.0.1:9000', 'fs.s3a.path.style.access': 'true' };
  const config = { ...base, bucket: 'acme-data', resourcesPrefix: '', drill: { storagePlugin: 'lake', port: 8047, s3a }, hive: { database: 'streams', port: 10000 } };
  const { plan: p } = plan(awsModel(), config);
  assert.is(step(p, 'drill.storage-plugin', 'drill-storage-plugin').name, 'lake');
  // drill.s3a lies over the plugin's own S3A properties (here the endpoint).
  assert.equal((step(p, 'drill.storage-plugin', 'drill-storage-plugin').config as { config: unknown }).config, s3a);
  assert.is(step(p, 'hive.orders', 'hive-live-table').database, 'streams');
  assert.is(step(p, 'emr.cluster', 'emr-cluster').bootstrapActions[0].script, 's3://acme-data/install-drill.sh');
  assert.is(step(p, 'reservoir.orders_archive', 's3-location').bucket, 'acme-data');
});

test.run();
