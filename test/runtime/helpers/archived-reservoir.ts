// A pipeline with one reservoir `r` whose archive is one file of the given payloads, written in
// the archiver's layout and encoding (record-encoding.ts, file-names.ts), not through Kinesis:
// for query tests that need archived records and nothing else.

import fs from 'node:fs/promises';
import path from 'node:path';
import { compile } from '../../../src/compiler/compile.ts';
import type { ArchiveStep, Plan } from '../../../src/compiler/plan/types.ts';
import { partitionPath } from '../../../src/compiler/record-layout.ts';
import { dataFilePath } from '../../../src/runtime/reservoir/file-names.ts';
import { reservoirLine } from '../../../src/runtime/reservoir/record-encoding.ts';
import { tempDir, type TempDir } from './local-kinesis.ts';

export interface ArchivedReservoir {
  /** The folder holding the reservoir (`r/` inside); removed by remove(). */
  readonly dir: TempDir;
  readonly plan: Plan;
}

/** Each payload one record of shard 0, in order, all arrived at 2026-01-02T03:04:05.678Z. */
export async function archivedReservoir(prefix: string, payloads: readonly string[]): Promise<ArchivedReservoir> {
  const dir = await tempDir(prefix);
  const config = { target: 'local' as const, kinesisPort: 4567, home: '.wshed', duckdb: { threads: 2, memoryLimit: '256MB' }, replay: { shardBudgetFraction: 0.8, maxRetries: 5 } };
  const text = `stream s { shards 1 }\nreservoir r { from stream s at "${dir.path}/r" }\n`;
  const plan = compile({ path: 'archived.wshed', text }, { config, now: new Date() }).plan!;
  const archive = plan.steps.find((st): st is ArchiveStep => st.kind === 'archive')!;
  const arrival = '2026-01-02T03:04:05.678Z';
  const seq = (i: number) => `4960000000000000000000000000000000000000000000000000${String(i).padStart(4, '0')}`;
  const lines = payloads.map((payload, i) =>
    reservoirLine({ stream: 's', shardId: 'shardId-000000000000', sequenceNumber: seq(i), subSequenceNumber: 0, partitionKey: `k${i}`, arrivalTime: arrival }, payload),
  );
  const range = { shardId: 'shardId-000000000000', firstSequenceNumber: seq(0), lastSequenceNumber: seq(payloads.length - 1) };
  const file = path.join(dir.path, 'r', dataFilePath(partitionPath(archive.partition, new Date(arrival)), range, 'json'));
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, lines.join(''));
  return { dir, plan };
}
