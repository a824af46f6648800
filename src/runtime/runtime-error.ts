// User-facing runtime failures: one table of coded messages, each with the fix, so the CLI can
// print one line (code, message, fix) instead of a stack trace. Stack traces are for bugs.

import { plural } from '../compiler/format-numbers.ts';

type Args = Record<string, string | number>;

/** `1 record`, `2,000 records`: a count argument as every message writes it. */
const count = (value: string | number, noun: string) => plural(Number(value), noun);

interface ErrorFormat {
  readonly summary: string;
  readonly message: (a: Args) => string;
  readonly fix: (a: Args) => string;
}

const e = (summary: string, message: (a: Args) => string, fix: (a: Args) => string): ErrorFormat => ({
  summary,
  message,
  fix,
});

// Replay hints name the command as the user ran it (file and all); FILE only when it is not known.
const resumeCommand = (a: Args) => String(a.resumeCommand ?? `wshed replay FILE ${a.replay} --resume`);
const restartCommand = (a: Args) => String(a.restartCommand ?? `wshed replay FILE ${a.replay} --restart`);
const resumeHint = (a: Args) => `resume it with '${resumeCommand(a)}' (its position is kept in ${a.checkpoint})`;

/** Codes are stable: WS70x local service, WS71x streams, WS72x reservoir, WS73x archive and failures of the outside world (WS732–WS737), WS74x query, WS75x and WS760–WS769 replay (WS764: an interrupted archive), WS77x SQL the job service runs (its sandbox), WS78x the job service, WS81x target runtimes and provisioning, WS800–WS809 Firehose provisioning, WS830–WS849 the EMR cluster and its tunnel, WS850–WS859 the Drill SQL engine, WS860–WS869 the reservoir views and live snapshots on Drill. */
export const RUNTIME_ERRORS = {
  WS701: e(
    'local service not running',
    (a) => `the local Kinesis service is not running (home ${a.home})`,
    () => `start it with 'wshed local start'`,
  ),
  WS702: e(
    'local service failed to start',
    (a) => `the local Kinesis service did not start: ${a.why}`,
    (a) => `see ${a.log}`,
  ),
  WS703: e(
    'local service already running',
    (a) => `another local Kinesis service (pid ${a.pid}) already uses ${a.home}`,
    () => `stop it with 'wshed local stop' or use another home ($WSHED_HOME)`,
  ),
  WS704: e(
    'local service port in use',
    (a) => `port ${a.port} is in use; try --port 0`,
    (a) => `'wshed local start --port 0' picks a free port; or stop what listens on ${a.port}, or set kinesisPort in a --conf file`,
  ),
  WS711: e(
    'stream not found',
    (a) => `stream '${a.stream}' does not exist`,
    () => `create it with 'wshed run' (or declare it in the .wshed file)`,
  ),
  WS712: e(
    'stream not active',
    (a) => `stream '${a.stream}' did not become ACTIVE within ${a.seconds} s (status ${a.status})`,
    () => `retry later; check the stream in the Kinesis console`,
  ),
  WS721: e(
    'reservoir location not supported',
    (a) => `reservoir '${a.reservoir}' is on ${a.kind}, which this runtime cannot write yet`,
    () => `use a local location for now`,
  ),
  WS722: e(
    'reservoir leased by another archiver',
    (a) => `reservoir '${a.reservoir}' is being archived by another process (${a.owner}, lease renewed ${a.renewedAt}, expiring ${a.expiresAt})`,
    (a) => `wait for it to finish; if it died on another machine, its lease expires by itself at ${a.expiresAt} (or delete ${a.lease})`,
  ),
  WS723: e(
    'reservoir has files but no checkpoint',
    (a) => `reservoir '${a.reservoir}' at ${a.root} holds archived files but no checkpoint (${a.checkpoint})`,
    () => `restore the checkpoint, or move the files away to archive the stream again from its oldest record`,
  ),
  WS724: e(
    'checkpoint belongs to another stream',
    (a) => `the checkpoint of reservoir '${a.reservoir}' is for stream '${a.found}', not '${a.stream}'`,
    () => `give this reservoir its own location`,
  ),
  WS725: e(
    'archive not run by the archiver',
    (a) => `reservoir '${a.reservoir}' is filled by ${a.via}, not by the archiver`,
    () => `run 'wshed run' to provision it`,
  ),
  WS731: e(
    'checkpoint no longer in the stream',
    (a) => `reservoir '${a.reservoir}': ${a.details}`,
    () => `archive what is still there with the option to accept data loss ('--accept-data-loss'), or recover the missing records from another copy first`,
  ),
  WS732: e(
    'disk full',
    (a) => `no space left on the device${a.where ? ` ${a.where}` : ''}${a.during ? ` while ${a.during}` : ''}${a.kept ? `; ${a.kept}` : ''}`,
    (a) => `free space on it (or move the files elsewhere), then ${a.again || 'run the command again'}`,
  ),
  WS733: e(
    'service unreachable',
    (a) => `cannot reach ${a.service} at ${a.address} (${a.reason})${a.during ? ` while ${a.during}` : ''}${a.kept ? `; ${a.kept}` : ''}`,
    (a) => `${a.check}, then ${a.again || 'run the command again'}`,
  ),
  WS734: e(
    'archive checkpoint unreadable',
    (a) => `the archive checkpoint ${a.checkpoint} is unreadable (${a.why}); nothing was changed`,
    (a) => `restore ${a.checkpoint} from a copy; or move it and the reservoir's dt=* folders out of ${a.root} to archive the stream again from its oldest record`,
  ),
  WS735: e(
    'permission denied',
    (a) => `${a.operation} ${a.path} was refused (${a.reason})`,
    (a) => `give this user access to ${a.path} (or choose another location), then run the command again`,
  ),
  WS736: e(
    'system limit reached',
    (a) => `${a.operation}${a.path ? ` ${a.path}` : ''} failed: ${a.reason}`,
    (a) => `${a.remedy}, then run the command again`,
  ),
  WS737: e(
    'AWS refused a request',
    (a) => `AWS refused ${a.operation}${a.during ? ` while ${a.during}` : ''}: ${a.name}: ${a.reason} (HTTP ${a.status}${a.requestId ? `, request id ${a.requestId}` : ''})`,
    (a) =>
      a.denied === 'yes'
        ? `grant the permission it names (docs/iam-permissions.md lists what watershed needs), then ${a.again || 'run the command again'}: what is already done stays as it is`
        : `correct what it names, then ${a.again || 'run the command again'}: what is already done stays as it is`,
  ),
  WS741: e(
    'query failed',
    (a) => `${a.message}`,
    (a) => `${a.hint}`,
  ),
  WS742: e(
    'no saved query by that name',
    (a) => `the pipeline has no saved query '${a.name}'`,
    (a) => `saved queries: ${a.known}`,
  ),
  WS745: e(
    'S3 reservoir queried on target local',
    (a) => `reservoir '${a.reservoir}' is on ${a.location}, and DuckDB on this machine cannot read S3 (its httpfs extension cannot be loaded here)`,
    () => `S3 reservoirs are queried on Drill: '--target aws --engine drill'; to query here, archive the stream into a local reservoir`,
  ),
  WS748: e(
    'S3 reservoir queried on embedded DuckDB',
    (a) => `reservoir '${a.reservoir}' is on ${a.location}, and the embedded DuckDB cannot read S3 on target aws (its httpfs extension cannot be loaded here)`,
    () => `query it on Drill ('--engine drill', the default on aws; with '--drill-url URL', or through 'wshed cluster forward FILE')`,
  ),
  WS749: e(
    'no AWS credentials',
    (a) => `no AWS credentials for ${a.service}: ${a.reason}`,
    () => `set AWS_PROFILE to a profile that has credentials (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), or run where a role provides them; nothing was changed`,
  ),
  WS746: e(
    'archive lease lost',
    (a) => `the archive lease ${a.location}/${a.lease} is no longer ours (${a.why}); stopped before writing more`,
    () => `every committed chunk stays archived; run the archive again once the other archiver is done (it goes on from the checkpoint, each record once)`,
  ),
  WS747: e(
    'S3 refused',
    (a) => `${a.operation} ${a.object} failed: ${a.reason}`,
    () => `check the bucket name, AWS_PROFILE / AWS_REGION / the credentials (or AWS_ENDPOINT_URL_S3), and that they may read and write that prefix, then run the command again`,
  ),
  WS751: e(
    'replay stopped after retries',
    (a) => `replay '${a.replay}' stopped: ${count(a.failed, 'Kinesis record')} still failing after ${a.limit} (${a.lastError}); ${count(a.acknowledged, 'record')} acknowledged`,
    (a) => `check the destination stream '${a.into}', then ${resumeHint(a)}`,
  ),
  WS752: e(
    'destination rejected the records',
    (a) => `replay '${a.replay}': stream '${a.into}' rejected a PutRecords call: ${a.why}`,
    (a) => `fix the destination (does it exist, may you write to it?), then ${resumeHint(a)}`,
  ),
  WS753: e(
    'unfinished replay',
    (a) => `replay '${a.replay}' has an unfinished run (${a.replayId}, ${count(a.acknowledged, 'record')} acknowledged, last update ${a.updatedAt})`,
    (a) => `resume it with '${resumeCommand(a)}', or abandon it and start over with '${restartCommand(a)}' (its ${count(a.acknowledged, 'record')} ${Number(a.acknowledged) === 1 ? 'is' : 'are'} sent again)`,
  ),
  WS754: e(
    'nothing to resume',
    (a) => `replay '${a.replay}' has no unfinished run to resume (${a.why})`,
    (a) => `run it without --resume: '${String(a.resumeCommand ?? '').replace(/ --resume$/, '') || `wshed replay FILE ${a.replay}`}'`,
  ),
  WS755: e(
    'replay already running',
    (a) => `replay '${a.replay}' is already running (pid ${a.pid})`,
    (a) => `wait for it to finish; if no such process runs, delete ${a.lock}`,
  ),
  WS756: e(
    'reservoir has no files',
    (a) => `reservoir '${a.reservoir}' holds no archived file yet, which the replay's SQL needs (${a.why})`,
    () => `archive the stream first ('wshed run'); an empty reservoir needs one empty file under a partition folder`,
  ),
  WS757: e(
    'record too large',
    (a) => `replay '${a.replay}': the record at ${a.origin} is ${a.bytes} bytes once annotated, over the Kinesis limit of 1 MiB (data + partition key)`,
    (a) => `exclude it with a where clause (e.g. where not (@shard_id = '${a.shardId}' and @sequence_number = '${a.sequenceNumber}')), then start over with the edited file: '${restartCommand(a)}' (a resumed run keeps the SQL it started with)`,
  ),
  WS758: e(
    'replay checkpoint unreadable',
    (a) => `the replay checkpoint ${a.checkpoint} cannot be used: ${a.why}`,
    (a) => `start replay '${a.replay}' over with '${restartCommand(a)}' (or delete ${a.checkpoint})`,
  ),
  WS759: e(
    'replay interrupted',
    (a) => `replay '${a.replay}' was interrupted after ${count(a.acknowledged, 'acknowledged record')}${a.position !== undefined ? ` (stopped after the batch in flight, at row ${a.position} of the replay order)` : ''}`,
    (a) => resumeHint(a),
  ),
  WS760: e(
    'destination has no open shard',
    (a) => `stream '${a.into}' has no open shard to write to`,
    () => `check the stream's status (a stream being deleted has none)`,
  ),
  WS761: e(
    'replay changed since its last run',
    (a) => `replay '${a.replay}' changed since its last completed run ${a.replayId} (${a.completedAt}): ${a.changes}`,
    (a) => `replay it in full with '${a.againCommand}' (consumers applying the version rule skip records they already hold), or undo the change`,
  ),
  WS762: e(
    'replay query failed',
    (a) => `replay '${a.replay}': DuckDB could not ${a.doing}: ${a.why}`,
    (a) => `${a.hint}`,
  ),
  WS763: e(
    'replay interrupted before sending',
    (a) => `replay '${a.replay}' was interrupted before it sent anything`,
    (a) => `run it again with '${String(a.resumeCommand).replace(/ --resume$/, '')}'`,
  ),
  WS764: e(
    'archive interrupted',
    (a) => `archive of '${a.reservoir}' was interrupted after ${count(a.records, 'record')} in ${count(a.files, 'committed file')}; the open chunk was discarded, the checkpoint is at the last committed file`,
    (a) => `continue it with '${a.command}'`,
  ),
  WS765: e(
    'more parts than destination shards',
    (a) => `cannot split the replay into ${a.parts} parts: stream '${a.into}' has ${count(a.shards, 'open shard')}, and each part takes at least one`,
    (a) => `use at most ${a.shards} parts (--part i/${a.shards}), or reshard '${a.into}' first`,
  ),
  WS766: e(
    'parts run split differently',
    (a) => `replay '${a.replay}' has a parts run ${a.replayId} (started ${a.startedAt}) split into ${a.parts} parts, not ${a.asked}; it is not finished (parts ${a.missing} are left)`,
    (a) => `run its remaining parts as it was split ('${a.command}'), then split the next run as you like`,
  ),
  WS767: e(
    'other parts not finished',
    (a) => `part ${a.part} of replay '${a.replay}' has completed parts run ${a.replayId} (started ${a.startedAt}), but parts ${a.missing} have not; a new parts run waits for every part of the last one`,
    (a) => `run the missing parts (e.g. '${a.command}'), then run this part again`,
  ),
  WS768: e(
    'destination resharded during a parts run',
    (a) => `replay '${a.replay}': stream '${a.into}' has other open shards than when parts run ${a.replayId} started (${a.startedAt}), so its parts no longer split the stream's shards`,
    (a) => `finish the replay without splitting: '${a.againCommand}' replays it in full under a new id`,
  ),
  // WS77x: SQL the job service runs for others (its sandbox), and SQL with nothing in it.
  WS770: e(
    'SQL not allowed in the job service',
    (a) => `${a.what} is not allowed in the job service: it runs one read-only SELECT (or WITH … SELECT, VALUES, DESCRIBE, SHOW) over the reservoir views, and reads files only inside the served reservoirs`,
    () => `write one SELECT over the views; run other SQL (COPY, SET, ATTACH, several statements) with 'wshed query' on your own machine`,
  ),
  WS771: e(
    'SQL holds no statement',
    () => `the SQL holds no statement (only ';' or comments)`,
    () => `write a query, e.g. SELECT * FROM <view> LIMIT 10`,
  ),
  // WS78x: the job service (wshed serve).
  WS780: e(
    'job service already running',
    (a) => `another job service (wshed serve, pid ${a.pid}) already owns the jobs of ${a.home}`,
    (a) => `stop it first (kill ${a.pid}), or give this one another home ($WSHED_HOME); if no such process runs, delete ${a.lock}`,
  ),
  // WS781–WS789: the job service hosted on the cluster (service.onCluster): what the upload ships.
  WS781: e(
    'service token file unreadable',
    (a) => `cannot read the job service's token file ${a.file} (service.tokenFile): ${a.why}`,
    () => `write the token (16 characters or more, e.g. 'openssl rand -hex 16 > FILE') into that file, or name an SSM parameter in service.tokenParameter instead`,
  ),
  WS782: e(
    'service token too weak',
    (a) => `the token in ${a.file} (service.tokenFile) is too weak: it needs at least ${a.min} characters, not spaces; wshed serve on the cluster would refuse it`,
    (a) => `write a stronger one into it, e.g. 'openssl rand -hex 16 > ${a.file}'`,
  ),
  WS783: e(
    'service bundle not built',
    (a) => `cannot build the job service's bundle from ${a.root}: ${a.why}`,
    (a) => `${a.fix}`,
  ),
  WS784: e(
    'served pipeline unreadable',
    (a) => `cannot read the pipeline file ${a.file} to upload it for the job service on the cluster: ${a.why}`,
    () => `run from the folder the plan was made in, or make the plan again ('wshed plan FILE --target aws')`,
  ),
  // WS81x: target runtimes and their provisioners.
  WS810: e(
    'step not run on this target',
    (a) => `target ${a.target} does not run ${a.what} yet (${a.steps})`,
    (a) => `nothing was changed; run the parts that work there, e.g. 'wshed archive ${a.file} --target ${a.target}'`,
  ),
  WS811: e(
    'stream not resharded',
    (a) => `stream '${a.stream}' could not be resharded from ${a.from} to ${a.to} shards: ${a.why}`,
    () => `UpdateShardCount may at most double or halve the open shards, about 10 times a day, within the account's shard limit: declare a reachable count or ask AWS for a higher limit, then run again`,
  ),
  WS812: e(
    'saved plan is stale',
    (a) => `the live state changed since ${a.file} was saved: ${a.changes}`,
    (a) => `nothing was changed; plan again with 'wshed plan ${a.pipeline} --out ${a.file}', review it, then 'wshed run ${a.file}'`,
  ),
  WS813: e(
    'live state not readable',
    (a) => `cannot read the live state of target ${a.target}${a.purpose ? ` ${a.purpose}` : ''}: ${a.why}`,
    (a) => String(a.fix),
  ),
  WS814: e(
    'local stream not resharded',
    (a) => `stream '${a.stream}' on the local service could not be resharded from ${a.from} to ${a.to} shards: ${a.why}`,
    () => `the local service holds at most 100 open shards across its streams: declare fewer shards (or delete streams you no longer need), then run again`,
  ),
  WS815: e(
    'replay running elsewhere',
    (a) => `replay '${a.replay}' is already running on ${a.host} (pid ${a.pid}, since ${a.takenAt}; its lease ${a.lease} holds until ${a.expiresAt} unless renewed)`,
    (a) => `nothing was sent; wait for that run to finish (or stop it there); if it died, a run here takes the lease over once it expires, then '${resumeCommand(a)}' goes on from its checkpoint`,
  ),
  WS816: e(
    'replay lease lost',
    (a) => `replay '${a.replay}': its lease ${a.lease} is no longer this run's (${a.why}); stopped before sending or checkpointing more`,
    (a) => `another run may hold it now; once none is running, ${resumeHint(a)}`,
  ),
  WS800: e(
    'Firehose Lambda code not built',
    (a) => `the Firehose transformation Lambda's code is not built (looked for ${a.paths})`,
    () => `run 'npm run build', which bundles it into dist/lambda/firehose-transform.mjs`,
  ),
  WS801: e(
    'Firehose source cannot change in place',
    (a) => `delivery stream '${a.name}' reads ${a.live}, but the file declares ${a.desired}; Firehose cannot change a delivery stream's source`,
    (a) => `delete it ('aws firehose delete-delivery-stream --delivery-stream-name ${a.name}', after its buffer is delivered) and run again, or archive the old stream under another reservoir name`,
  ),
  WS802: e(
    'Firehose provisioning failed',
    (a) => `provisioning ${a.what} '${a.name}' failed: ${a.why}`,
    (a) => String(a.fix ?? 'check the credentials and the permissions in docs/firehose-roles.md, then run again'),
  ),
  WS803: e(
    'delivery stream not active',
    (a) => `delivery stream '${a.name}' is ${a.status} after ${a.seconds}s`,
    (a) => `wait until 'aws firehose describe-delivery-stream --delivery-stream-name ${a.name}' says ACTIVE, then run again`,
  ),
  // WS830–WS849: the EMR cluster, the SSH tunnel to its primary node, Drill plugins and Hive tables on it.
  WS830: e(
    'EMR default roles missing',
    (a) => `the cluster's ${a.what} '${a.name}' does not exist in this account`,
    () => `create EMR's default roles with 'aws emr create-default-roles' (or 'wshed cluster launch FILE --create-default-roles'), or name existing ones in emr.serviceRole and emr.instanceProfile`,
  ),
  WS831: e(
    'cluster failed',
    (a) => `cluster ${a.id} is ${a.state}: ${a.reason}`,
    (a) => `read the bootstrap and step logs${a.logUri ? ` under ${a.logUri}` : ' (set emr.logUri to keep them on S3)'}, fix the cause, then 'wshed cluster launch' again`,
  ),
  WS832: e(
    'cluster not ready in time',
    (a) => `cluster ${a.id} is still ${a.state} after ${a.seconds} s`,
    (a) => `it keeps starting (and costing): 'wshed cluster wait ${a.file}' waits again, 'wshed cluster terminate ${a.file}' stops it`,
  ),
  WS833: e(
    'EMR call failed',
    (a) => `${a.what} failed: ${a.why}`,
    () => `check the credentials, the region and the permissions in docs/iam-permissions.md, then try again`,
  ),
  WS834: e(
    'no running cluster',
    (a) => `no running cluster of pipeline '${a.pipeline}' (tag wshed:cluster=${a.cluster})`,
    (a) => `launch one with 'wshed cluster up ${a.file}'; 'wshed cluster status' lists watershed's clusters`,
  ),
  WS835: e(
    'cluster resource missing',
    (a) => `cannot read ${a.what} (${a.path}): ${a.why}`,
    () => `reinstall watershed (the file ships with it), or run from a clone after 'npm ci'`,
  ),
  WS836: e(
    'host key changed',
    (a) => `the host key of ${a.host} changed: pinned ${a.pinned}, offered ${a.offered}; the connection was refused`,
    (a) => `if the cluster was replaced, remove the line for ${a.host} from ${a.file} and connect again; otherwise someone may be intercepting the connection`,
  ),
  WS837: e(
    'SSH connection failed',
    (a) => `cannot connect to ${a.user}@${a.host}:${a.port}: ${a.why}`,
    () => `check ssh.keyFile matches emr.keyPair, that the primary node's security group lets your address reach port 22, and ssh.user (hadoop on EMR)`,
  ),
  WS838: e(
    'SSH key file unreadable',
    (a) => `cannot read the SSH key file ${a.path}: ${a.why}`,
    () => `set ssh.keyFile to the private key of the EC2 key pair emr.keyPair (chmod 600)`,
  ),
  WS839: e(
    'local port in use',
    (a) => `local port ${a.port} (for ${a.service}) is in use`,
    (a) => `stop what listens on ${a.port}, or choose another port in ssh.${a.setting}`,
  ),
  WS840: e(
    'Drill storage plugin not saved',
    (a) => `Drill at ${a.url} did not save ${String(a.name).startsWith('view ') ? a.name : `storage plugin '${a.name}'`}: ${a.why}`,
    () => `check that Drill runs on the primary node ('wshed cluster status') and the tunnel is up ('wshed cluster forward FILE')`,
  ),
  WS841: e(
    'Hive DDL failed',
    (a) => `Hive did not create ${a.what}: ${a.why}`,
    () => `the statement and Hive's message are above; fix the cause (the stream exists? EMR's Kinesis connector installed?) and run 'wshed cluster configure' again`,
  ),
  WS842: e(
    'primary node address unknown',
    (a) => `cluster ${a.id} has no primary node address yet (state ${a.state})`,
    (a) => `wait for it with 'wshed cluster wait ${a.file}', or set emr.primaryAddress`,
  ),
  WS843: e(
    'command refused on the primary node',
    (a) => `${a.user}@${a.host}:${a.port} accepted the SSH connection but refused to run '${a.command}': ${a.why}`,
    () => `the account must be allowed to run commands (no ForceCommand or restricted shell for it in sshd_config) and under its session limit; ssh.user is hadoop on EMR`,
  ),
  // WS850–WS859: the Drill SQL engine (its REST API).
  WS850: e(
    'Drill unreachable',
    (a) => `cannot reach Drill at ${a.url} (${a.reason})${a.during ? ` while ${a.during}` : ''}`,
    () => `start it ('scripts/drill.sh start' runs one here), or point --drill-url at a running Drill (a cluster's, through 'wshed cluster forward FILE'), then run the command again`,
  ),
  WS851: e(
    'bad Drill URL',
    (a) => `'${a.url}' is not a Drill URL: ${a.why}`,
    () => `give Drill's REST address, e.g. --drill-url http://127.0.0.1:8047`,
  ),
  WS852: e(
    'not a Drill answer',
    (a) => `${a.url} answered HTTP ${a.status} to ${a.what}: ${a.text}`,
    (a) => `check that ${a.url} is Drill's REST API (its web console answers there) and that Drill runs`,
  ),
  WS853: e(
    'Drill answer cut short',
    (a) => `Drill at ${a.url} stopped answering in the middle of a result (${a.why})`,
    () => `the rows already printed are not the whole result; check Drill's log, then run the query again`,
  ),
  WS854: e(
    'query cancelled',
    (a) => `the query was interrupted and cancelled on Drill (query ${a.queryId})`,
    () => `the rows already printed are not the whole result; run the query again to get all of them`,
  ),
  WS855: e(
    'replay query failed on Drill',
    (a) => `replay '${a.replay}': Drill could not ${a.doing}: ${a.why}`,
    (a) => `${a.hint}`,
  ),
  WS856: e(
    'replay reads no archive on Drill',
    (a) => `replay '${a.replay}' reads live records only, and its plan does not say which Drill workspace holds its reservoir (where its snapshot is read)`,
    () => `run it from its file ('wshed replay FILE NAME'), or with --engine duckdb`,
  ),
  // WS860–WS869: the reservoir views and live snapshots on Drill.
  WS860: e(
    'reservoir empty on Drill',
    (a) => `reservoir '${a.reservoir}' has no archived file and no live record yet, and Drill cannot read a glob that matches no file`,
    (a) => `put records into stream '${a.stream}' (and run 'wshed archive' once), or query it on DuckDB (--engine duckdb) until then`,
  ),
  WS861: e(
    'Drill views not created',
    (a) => `Drill did not create view ${a.view} in ${a.workspace}: ${a.why}`,
    (a) => `the views need a writable workspace: check that '${a.workspace}' exists and is writable (the plan's drill-storage-plugin step, or 'dfs.tmp' locally)`,
  ),
} as const;

export type RuntimeErrorCode = keyof typeof RUNTIME_ERRORS;

export class RuntimeError extends Error {
  readonly code: RuntimeErrorCode;
  readonly fix: string;
  readonly args: Args;

  constructor(code: RuntimeErrorCode, args: Args = {}, options?: { cause?: unknown }) {
    const format = RUNTIME_ERRORS[code];
    super(format.message(args), options);
    this.name = 'RuntimeError';
    this.code = code;
    this.fix = format.fix(args);
    this.args = args;
  }

  /** The one line the CLI prints. */
  render(): string {
    return `${this.code}: ${this.message} (${this.fix})`;
  }
}

export function isRuntimeError(err: unknown, code?: RuntimeErrorCode): err is RuntimeError {
  return err instanceof RuntimeError && (code === undefined || err.code === code);
}
