// `wshed demo`: the main job on the embedded default, end to end in under a minute — starts the
// local Kinesis service, loads sample orders, runs pipelines/nightly.wshed (archive, replay), puts
// more orders that stay live, and queries archive + live together.

import path from 'node:path';
import type { Argv } from 'yargs';
import { putAllRecords } from '../../runtime/kinesis/put-records.ts';
import type { PutEntry, StreamService } from '../../runtime/kinesis/stream-service.ts';
import { runQuery } from '../../runtime/query/run-query.ts';
import { sampleOrderLines, type SampleOptions } from '../../demo/sample-orders.ts';
import { PACKAGE_ROOT } from '../io.ts';
import { formatCount, formatDuration, noun, plural } from '../../compiler/format-numbers.ts';
import { partitionKeyOf } from '../records-input.ts';
import { localConfig, planFor, runtimeFor } from '../session.ts';
import { executePlan } from './run.ts';
import { withHelp } from '../help.ts';

const PIPELINE = path.join(PACKAGE_ROOT, 'pipelines', 'nightly.wshed');

export const demoCommand = {
  command: 'demo',
  describe: 'run the nightly pipeline end to end on the embedded default, with sample orders',
  builder: (y: Argv) =>
    withHelp(y, 'demo')
      .option('orders', { type: 'number', default: 5_000, describe: 'distinct orders (keys)' })
      .option('events', { type: 'number', default: 20_000, describe: 'order events put before the pipeline runs' })
      .option('conf', { type: 'string', describe: 'JSON file overriding the target settings in conf/local.json' }),
  handler: async (argv: { orders: number; events: number; conf?: string }) => {
    const started = Date.now();
    const config = localConfig(argv.conf);
    const plan = planFor(PIPELINE, config);
    const file = path.relative(process.cwd(), PIPELINE) || PIPELINE;
    const runtime = runtimeFor(config);
    const streams = await runtime.streams({ start: true });
    try {
      heading('1. provision the streams and the reservoir');
      await executePlan(plan, runtime, { file, json: false, acceptDataLoss: false, kinds: ['local-service', 'stream', 'reservoir-folder'] });

      heading(`2. put ${plural(argv.events, 'order event')} (${plural(argv.orders, 'order')}; a few lines are not JSON)`);
      await put(streams, { orders: argv.orders, events: argv.events, seed: 42 });

      heading(`3. wshed run ${file}: archive, then replay the latest open and shipped orders`);
      await executePlan(plan, runtime, { file, json: false, acceptDataLoss: false });

      const live = Math.max(100, Math.round(argv.events / 10));
      heading(`4. put ${formatCount(live)} more ${noun(live, 'event')}: they stay live in the stream, not yet archived`);
      await put(streams, { orders: argv.orders, events: live, seed: 43, start: new Date('2026-11-02T00:00:00Z') });

      heading('5. SQL over archive + live: each record counted once');
      await query(plan, streams, `SELECT
  (SELECT count(*) FROM orders_archive_archived) AS archived,
  (SELECT count(*) FROM orders_archive_live) AS live_past_checkpoint,
  (SELECT count(*) FROM orders_archive) AS archive_plus_live,
  (SELECT count(DISTINCT order_id) FROM orders_archive) AS orders`);
      heading('6. the saved query revenue_by_region');
      await query(plan, streams, undefined, 'revenue_by_region');
      heading('7. latest status of every order (last event per key, across archive and live)');
      await query(plan, streams, `SELECT status, count(*) AS orders
FROM (SELECT status FROM orders_archive QUALIFY row_number() OVER (PARTITION BY order_id ORDER BY _arrival_time DESC, _sequence_number DESC) = 1)
GROUP BY status ORDER BY orders DESC`);
    } finally {
      streams.close();
      runtime.provisioner.close();
    }
    process.stdout.write(
      `\nDemo done in ${formatDuration(Date.now() - started)}. The local service keeps running with the data:\n` +
        `  wshed query ${file} "SELECT * FROM orders_archive LIMIT 5"\n` +
        `  wshed tail orders_latest --from trim-horizon --limit 3\n` +
        `  wshed local stop\n`,
    );
  },
};

function heading(text: string): void {
  process.stdout.write(`\n== ${text}\n`);
}

async function put(streams: StreamService, sample: SampleOptions): Promise<void> {
  const t0 = Date.now();
  const entries: PutEntry[] = [];
  for (const line of sampleOrderLines(sample)) {
    const data = Buffer.from(line);
    entries.push({ partitionKey: partitionKeyOf(data, ['order_id']).key, data });
  }
  await putAllRecords(streams, 'orders', entries);
  process.stdout.write(`put ${plural(entries.length, 'record')} into orders in ${formatDuration(Date.now() - t0)}\n`);
}

async function query(plan: Parameters<typeof runQuery>[0]['plan'], streams: StreamService, sql?: string, name?: string): Promise<void> {
  const text = name ? { name } : { sql: sql! };
  if (sql) process.stdout.write(sql.replace(/^/gm, '  > ') + '\n');
  const r = await runQuery({ ...text, plan, cwd: process.cwd(), streams, format: 'table', out: process.stdout });
  for (const note of r.notes) process.stdout.write(`note: ${note}\n`);
}
