// A separate process that archives one reservoir, for the crash test to kill at random moments.
// Usage: archive-child.ts <port> <stream> <root> <maxRecordsPerFile> <pageSize|-> [shardConcurrency]
// ('-' keeps the archiver's default page size)
// <root> is a folder or s3://bucket/prefix (S3 reached through the AWS_* environment).
// Prints "progress <records>" as it goes and "done <result JSON>" at the end.

import type { Location } from '../../../src/compiler/model.ts';
import { archiveReservoir } from '../../../src/runtime/archive/archiver.ts';
import { createStreamService } from '../../../src/runtime/kinesis/aws-stream-service.ts';
import { localKinesisEndpoint } from '../../../src/runtime/kinesis/client.ts';
import { archiveStep } from './local-kinesis.ts';

const [port, stream, root, maxRecordsPerFile, pageSize, shardConcurrency] = process.argv.slice(2);
const s3 = /^s3:\/\/([^/]+)\/?(.*)$/.exec(root);
const location: Location = s3 ? { kind: 's3', bucket: s3[1], prefix: s3[2] } : { kind: 'local', path: root };
const streams = createStreamService(localKinesisEndpoint(Number(port)));
try {
  const result = await archiveReservoir(archiveStep('crash', stream, location), { streams }, {
    maxRecordsPerFile: Number(maxRecordsPerFile),
    ...(pageSize !== '-' ? { pageSize: Number(pageSize) } : {}),
    ...(shardConcurrency ? { shardConcurrency: Number(shardConcurrency) } : {}),
    onProgress: (p) => process.stdout.write(`progress ${p.records}\n`),
  });
  // maxRSS: the process's peak resident memory (KiB), for the benchmarks.
  process.stdout.write(`done ${JSON.stringify({ ...result, perShard: undefined, maxRssKiB: process.resourceUsage().maxRSS })}\n`);
} finally {
  streams.close();
}
