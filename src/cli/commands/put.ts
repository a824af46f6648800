// `wshed put STREAM`: newline-delimited JSON (or raw lines) into a stream with batched PutRecords,
// retrying rejected records; the partition key comes from the stream's declared key, else a hash.

import type { Argv } from 'yargs';
import type { StreamStep } from '../../compiler/plan/types.ts';
import { putAllRecords } from '../../runtime/kinesis/put-records.ts';
import type { PutEntry } from '../../runtime/kinesis/stream-service.ts';
import { worldFailure } from '../../runtime/world-failure.ts';
import { UsageError } from '../io.ts';
import { formatDuration, formatRate, plural } from '../../compiler/format-numbers.ts';
import { progressBar } from '../progress.ts';
import { isBlank, partitionKeyOf, prepareInput, readLines } from '../records-input.ts';
import { planFor, runtimeFor, targetConfig } from '../session.ts';
import { targetOptions } from './plan.ts';
import { withHelp } from '../help.ts';

const CHUNK = 5_000;

export const putCommand = {
  command: 'put <stream> [source]',
  describe: 'send newline-delimited JSON records into a stream',
  builder: (y: Argv) =>
    withHelp(targetOptions(y), 'put')
      .positional('stream', { type: 'string', demandOption: true, describe: 'the stream to send into' })
      .positional('source', { type: 'string', describe: "'-' for standard input (the default), or a file" })
      .option('file', { type: 'string', describe: 'file of records, one per line' })
      .option('raw', { type: 'boolean', default: false, describe: 'send the bytes of each line as they are, JSON or not (lines end at \\n)' })
      .option('key', { type: 'string', describe: 'JSON path of the partition key (e.g. order_id, customer.id)' })
      .option('pipeline', { type: 'string', describe: ".wshed file whose declaration of STREAM gives the key (and creates the stream if absent)" })
      .option('json', { type: 'boolean', default: false, describe: 'print a JSON summary' }),
  handler: async (argv: { stream: string; source?: string; file?: string; raw: boolean; key?: string; pipeline?: string; target: 'local' | 'aws'; conf?: string; json: boolean }) => {
    const config = targetConfig(argv.target, argv.conf);
    let keyPath: string[] | null = argv.key ? argv.key.split('.') : null;
    let declared: StreamStep | null = null;
    const pipeline = argv.pipeline;
    if (pipeline) {
      declared = planFor(pipeline, config).steps.find((s): s is StreamStep => s.kind === 'stream' && s.name === argv.stream) ?? null;
      if (!declared) throw new UsageError(`${argv.pipeline} declares no stream '${argv.stream}'`);
      if (!keyPath && declared.key?.kind === 'field') keyPath = [...declared.key.path];
    }
    // yargs hands a lone '-' positional over as ''.
    const source = argv.source === '' ? '-' : argv.source;
    if (argv.file && source) throw new UsageError(`give records either with --file or as '${source}', not both`);
    const input = await prepareInput(argv.file ?? source ?? '-', { raw: argv.raw });
    const runtime = runtimeFor(config);
    const streams = await runtime.streams({ start: true });
    try {
      if (declared && pipeline) await runtime.provisioner.apply(declared, { pipeline });
      else if (!(await streams.describeStream(argv.stream))) {
        const names = (await streams.listStreams()).sort();
        const existing = names.length > 0 ? ` (the streams are: ${names.join(', ')})` : '';
        throw new UsageError(`stream '${argv.stream}' does not exist${existing}; declare it in a .wshed file and run 'wshed run', or pass --pipeline FILE`);
      }
      const started = Date.now();
      const bar = progressBar(`put ${argv.stream}`, { total: input.lines });
      let sent = 0;
      let acknowledged = 0;
      let hashed = 0;
      let chunk: PutEntry[] = [];
      const flush = async () => {
        const base = sent;
        try {
          await putAllRecords(streams, argv.stream, chunk, {
            onBatch: (n) => {
              acknowledged = base + n;
              bar.update(acknowledged);
            },
          });
        } catch (err) {
          bar.stop();
          // Batches go in input order, so what was acknowledged is a prefix of the input.
          throw (
            worldFailure(err, {
              during: `putting records into '${argv.stream}'`,
              service: 'the Kinesis service',
              kept: `the first ${acknowledged} of ${input.lines} records were acknowledged (the batch in flight may or may not be written)`,
              again: `send only the records after the first ${acknowledged} (sending the whole input again puts those twice)`,
            }) ?? err
          );
        }
        sent += chunk.length;
        chunk = [];
      };
      for await (const line of readLines(input.path)) {
        if (isBlank(line)) continue;
        const { key, fromPath } = partitionKeyOf(line, keyPath);
        if (keyPath && !fromPath) hashed++;
        chunk.push({ partitionKey: key, data: line });
        if (chunk.length >= CHUNK) await flush();
      }
      if (chunk.length) await flush();
      bar.stop();
      const ms = Date.now() - started;
      const summary = { stream: argv.stream, records: sent, hashedKeys: hashed, durationMs: ms };
      if (argv.json) process.stdout.write(JSON.stringify(summary) + '\n');
      else {
        const note = hashed ? ` (${hashed} without the key field got a hashed partition key)` : '';
        process.stdout.write(`put ${plural(sent, 'record')} into ${argv.stream} in ${formatDuration(ms)} (${formatRate(sent, ms)})${note}\n`);
      }
    } finally {
      streams.close();
      runtime.provisioner.close();
      input.cleanup();
    }
  },
};
