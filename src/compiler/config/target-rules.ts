// The rules every target settings file must satisfy, one per target, matching
// LocalTargetConfig and AwsTargetConfig in ../target-config.ts field for field.

import { bool, int, list, map, nullable, num, obj, oneOf, str, type Problem, type Rule } from './rules.ts';

/** What an AWS region name looks like (`us-east-1`, `ap-southeast-2`, `us-gov-west-1`). */
export const AWS_REGION_FORMAT = /^[a-z]{2}(-[a-z]+)+-\d+$/;

const port = int('a port number (1 to 65535)', 1, 65535);
// A tunnel's local end may be 0: a free port is picked and printed.
const localPort = int('a port number (0 to 65535; 0 picks a free one)', 0, 65535);
const identifier = (what: string) => str(`${what} made of letters, digits and underscores`, (s) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(s));
const nonEmpty = (what: string) => str(what, (s) => s.trim().length > 0);

const replay = obj({
  shardBudgetFraction: num('a fraction above 0 and at most 1', (n) => n > 0 && n <= 1),
  maxRetries: int('a whole number from 0 to 100', 0, 100),
});

export const LOCAL_RULES: Rule = obj({
  target: oneOf('local'),
  kinesisPort: int('a port number (0 to 65535; 0 picks a free one)', 0, 65535),
  home: nonEmpty('a folder path'),
  duckdb: obj({
    threads: int('a positive integer', 1, 1024),
    memoryLimit: str(`a size such as "1GB" or "512MiB"`, (s) => /^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.test(s)),
  }),
  replay,
});

// S3 bucket naming rules, the ones a typo trips over: 3-63 characters, lower case, no "..".
const bucketName = (s: string) => /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(s) && !s.includes('..') && !/^\d+\.\d+\.\d+\.\d+$/.test(s);
const bucketHints = (s: string) => (s.startsWith('s3://') ? ['give the bucket name alone, without s3://'] : []);

const instanceGroups = list(
  obj({
    role: oneOf('MASTER', 'CORE', 'TASK'),
    instanceType: str('an EC2 instance type such as "m5.xlarge"', (s) => /^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(s)),
    count: int('a positive integer', 1),
  }),
  1,
  (groups, path) => {
    const problems: Problem[] = [];
    const roles = groups.map((g) => (g as { role: string }).role);
    const masters = roles.filter((r) => r === 'MASTER').length;
    if (masters !== 1) problems.push({ path, why: `expected exactly one MASTER group, got ${masters}`, hints: [] });
    if (roles.filter((r) => r === 'CORE').length > 1) problems.push({ path, why: 'expected at most one CORE group', hints: [] });
    groups.forEach((g, i) => {
      const { role, count } = g as { role: string; count: number };
      // EMR runs one primary node, or three for high availability.
      if (role === 'MASTER' && count !== 1 && count !== 3) {
        problems.push({ path: `${path}[${i}].count`, why: `expected 1 or 3 for the MASTER group, got ${count}`, hints: [] });
      }
    });
    return problems;
  },
);

/**
 * An SSM parameter name as GetParameter takes it: letters, digits and `_.-`, in `/`-separated
 * levels (a hierarchical name starts with `/`), at most 2048 characters, not under the reserved
 * `aws`/`ssm` prefixes.
 */
export function isSsmParameterName(s: string): boolean {
  if (s.length === 0 || s.length > 2048 || !/^[A-Za-z0-9_.\-/]+$/.test(s)) return false;
  if (s.includes('/') && !s.startsWith('/')) return false;
  const levels = s.replace(/^\//, '').split('/');
  if (levels.some((l) => l === '') || levels.length > 15) return false;
  return !/^(aws|ssm)/i.test(levels[0]!);
}
const ssmHints = (s: string) =>
  s.startsWith('arn:') ? ['give the parameter\'s name (e.g. "/wshed/service-token"), not its ARN'] : /^\/?(aws|ssm)/i.test(s) ? ['names starting with "aws" or "ssm" are reserved by AWS'] : [];

/** The token is never a setting: only where it is read from. */
export const SERVICE_TOKEN_WHY =
  'the token itself is never a setting (settings files get committed and pasted): put it in a file and give its path as "tokenFile", or in an SSM SecureString parameter named by "tokenParameter"';

// The job service hosted on the cluster's primary node (scripts/emr/install-wshed-service.sh).
const service = obj(
  {
    onCluster: bool,
    port,
    tokenFile: nullable(nonEmpty('the path of a file holding the token')),
    tokenParameter: nullable(str('an SSM parameter name such as "/wshed/service-token"', isSsmParameterName, ssmHints)),
    nodeUrl: nullable(str('an https://, http:// or s3:// URL of a Node.js 20 tarball (linux-x64)', (s) => /^(https?|s3):\/\/\S+$/.test(s))),
  },
  (s, path) => {
    if (s.onCluster !== true) return [];
    const given = (['tokenFile', 'tokenParameter'] as const).filter((k) => s[k] !== null);
    if (given.length === 1) return [];
    const why =
      given.length === 0
        ? 'expected "tokenFile" or "tokenParameter" with "onCluster": true (the service on the cluster needs a token), got neither'
        : 'expected one of "tokenFile" and "tokenParameter", got both';
    return [{ path, why, hints: [] }];
  },
  { token: SERVICE_TOKEN_WHY },
);

export const AWS_RULES: Rule = obj({
  target: oneOf('aws'),
  region: str('an AWS region such as "us-east-1"', (s) => AWS_REGION_FORMAT.test(s)),
  bucket: str('an S3 bucket name (3-63 lower-case letters, digits, dots and hyphens)', bucketName, bucketHints),
  resourcesPrefix: str('a key prefix such as "wshed/cluster/" (no leading slash)', (s) => !s.startsWith('/') && !s.includes('//')),
  emr: obj({
    name: nonEmpty('a cluster name'),
    release: str('an EMR release label such as "emr-7.14.0"', (s) => /^emr-\d+\.\d+\.\d+$/.test(s)),
    instanceGroups,
    keyPair: nonEmpty('the name of an EC2 key pair'),
    subnetId: nullable(str('a subnet id such as "subnet-0abc1234"', (s) => /^subnet-[0-9a-f]{8}([0-9a-f]{9})?$/.test(s))),
    logUri: nullable(str('an s3:// URI', (s) => /^s3:\/\/[a-z0-9][a-z0-9.-]+[a-z0-9](\/.*)?$/.test(s))),
    serviceRole: str('an IAM role name such as "EMR_DefaultRole"', (s) => /^[\w+=,.@-]{1,64}$/.test(s)),
    instanceProfile: str('an instance profile name such as "EMR_EC2_DefaultRole"', (s) => /^[\w+=,.@-]{1,128}$/.test(s)),
    drillVersion: str('a Drill release such as "1.22.0"', (s) => /^\d+\.\d+\.\d+$/.test(s)),
    drillUrl: nullable(str('an https://, http:// or s3:// URL of the Drill tarball', (s) => /^(https?|s3):\/\/\S+$/.test(s))),
    primaryAddress: nullable(nonEmpty('a host name or address')),
    terminateAfterRun: bool,
  }),
  ssh: obj(
    {
      user: str('a user name such as "hadoop"', (s) => /^[a-z_][a-z0-9_-]*$/.test(s)),
      keyFile: nonEmpty('the path of a private key file'),
      localDrillPort: localPort,
      localHivePort: localPort,
      localServicePort: localPort,
      knownHostsFile: nonEmpty('the path of a known-hosts file'),
      keepaliveSeconds: int('a whole number of seconds from 1 to 3600', 1, 3600),
    },
    (ssh, path) => {
      const ports = ['localDrillPort', 'localHivePort', 'localServicePort'] as const;
      const problems: Problem[] = [];
      ports.forEach((name, i) => {
        const earlier = ssh[name] === 0 ? undefined : ports.slice(0, i).find((other) => ssh[other] === ssh[name]);
        if (earlier) problems.push({ path: `${path}.${name}`, why: `expected a port other than ${earlier}, got ${String(ssh[name])} for both`, hints: [] });
      });
      return problems;
    },
  ),
  drill: obj({
    storagePlugin: identifier('a plugin name'),
    port,
    // Hadoop S3A properties over the bucket plugins' own (an S3-compatible endpoint, a VPC endpoint);
    // keys never: secret names are refused, credentials come from the instance profile (the
    // provider setting names a class, for a store that takes anonymous or other credentials).
    s3a: map('an S3A property name such as "fs.s3a.endpoint"', (k) => /^fs\.s3a\.[\w.-]+$/.test(k), str('a string'), ['fs.s3a.aws.credentials.provider']),
  }),
  hive: obj({ database: identifier('a database name'), port }),
  service,
  firehose: obj({
    roleArn: nullable(
      str('an IAM role ARN such as "arn:aws:iam::123456789012:role/wshed-firehose"', (s) => /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(s)),
    ),
  }),
  replay,
}, (aws) => {
  // On the primary node the service shares the host with Drill's REST port and HiveServer2.
  const s = aws.service as { onCluster: boolean; port: number };
  const taken = [['drill.port', (aws.drill as { port: number }).port], ['hive.port', (aws.hive as { port: number }).port]] as const;
  const clash = s.onCluster ? taken.find(([, p]) => p === s.port) : undefined;
  return clash ? [{ path: 'service.port', why: `expected a port other than ${clash[0]} (both listen on the primary node), got ${s.port} for both`, hints: [] }] : [];
});
