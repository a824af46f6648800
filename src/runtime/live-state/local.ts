// The local target's live state: whether the home's Kinesis service runs (and on which port),
// each declared stream's open shards and retention, and whether reservoir folders exist. Reads
// only: a stopped service stays stopped, and its streams are then not known.

import fs from 'node:fs/promises';
import path from 'node:path';
import type { LiveResource } from '../../compiler/plan/changes.ts';
import type { Plan } from '../../compiler/plan/types.ts';
import { createStreamService } from '../kinesis/aws-stream-service.ts';
import { localKinesisEndpoint } from '../kinesis/client.ts';
import { localServiceStatus } from '../local/service.ts';
import type { LiveStateReader } from './reader.ts';

export function localLiveStateReader(options: { home: string; cwd: string }): LiveStateReader {
  return {
    async read(plan: Plan) {
      const resources: Record<string, LiveResource> = {};
      for (const step of plan.steps) {
        if (step.kind !== 'reservoir-folder') continue;
        const exists = await fs.stat(path.resolve(options.cwd, step.path)).then((s) => s.isDirectory(), () => false);
        resources[step.id] = { kind: 'reservoir-folder', exists };
      }
      const status = await localServiceStatus(options.home);
      const serviceSteps = plan.steps.filter((s) => s.kind === 'local-service');
      if (status.state !== 'running' || status.port === null) {
        for (const s of serviceSteps) resources[s.id] = { kind: 'local-service', running: false };
        return { source: `the watershed home ${options.home}`, unknown: 'The local Kinesis service is not running: its streams are not known', resources };
      }
      for (const s of serviceSteps) resources[s.id] = { kind: 'local-service', running: true, port: status.port, pid: status.pid };
      const streams = createStreamService(localKinesisEndpoint(status.port));
      try {
        for (const step of plan.steps) {
          if (step.kind !== 'stream') continue;
          const found = await streams.describeStream(step.name);
          resources[step.id] = found ? { kind: 'stream', exists: true, openShards: found.openShards, retentionHours: found.retentionHours } : { kind: 'stream', exists: false };
        }
      } finally {
        streams.close();
      }
      return { source: `the local Kinesis service on 127.0.0.1:${status.port}`, resources };
    },
  };
}
