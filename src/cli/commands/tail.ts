// `wshed tail STREAM`: prints records as they arrive, de-aggregated, like a console consumer (kcat):
// the data only, one JSON object or key=value line a record, or a template of placeholders.
// Every shard is followed at once; `--limit N` stops after N records, Ctrl-C at any time.

import { once } from 'node:events';
import type { Argv } from 'yargs';
import { deaggregate } from '../../runtime/kinesis/kpl.ts';
import { readShard } from '../../runtime/kinesis/shard-reader.ts';
import type { ShardPosition } from '../../runtime/kinesis/stream-service.ts';
import { UsageError } from '../io.ts';
import { runtimeFor, targetConfig } from '../session.ts';
import { targetOptions } from './plan.ts';
import { formatPrinter, TAIL_FORMATS, TEMPLATE_PLACEHOLDERS, templatePrinter, type RecordPrinter, type TailFormat } from '../tail-format.ts';
import { withHelp } from '../help.ts';

const PLACEHOLDER_HELP = TEMPLATE_PLACEHOLDERS.map((p) => `  ${p.token}  ${p.meaning}`).join('\n');

export const tailCommand = {
  command: 'tail <stream>',
  describe: 'print records of a stream as they arrive (KPL aggregates are split)',
  builder: (y: Argv) =>
    withHelp(targetOptions(y), 'tail')
      .positional('stream', { type: 'string', demandOption: true, describe: 'the stream to follow' })
      .option('from', { choices: ['trim-horizon', 'latest'] as const, default: 'latest' as const, describe: 'start at the oldest record or at new ones' })
      .option('limit', { type: 'number', describe: 'stop after this many records' })
      .option('format', {
        choices: TAIL_FORMATS,
        describe:
          'text: the data; json: one object a record (stream, shard_id, sequence_number, sub_sequence_number, partition_key, arrival_time, ' +
          'and data as JSON, data_text when not JSON, data_base64 when not UTF-8); kv: the same as key=value pairs',
      })
      .option('json', { type: 'boolean', default: false, describe: 'the same as --format json' })
      .option('template', {
        alias: 'f',
        type: 'string',
        describe: 'print each record by a kcat-style template of placeholders (below); add \\n yourself, as in kcat',
      })
      .epilogue(`Template placeholders:\n${PLACEHOLDER_HELP}\n  \\n \\t \\r \\\\  newline, tab, carriage return, backslash`),
  handler: async (argv: { stream: string; from: 'trim-horizon' | 'latest'; limit?: number; format?: TailFormat; json: boolean; template?: string; target: 'local' | 'aws'; conf?: string }) => {
    if (argv.limit !== undefined && !(Number.isInteger(argv.limit) && argv.limit > 0)) throw new UsageError('--limit must be a positive whole number');
    const print = printerFor(argv);
    const streams = await runtimeFor(targetConfig(argv.target, argv.conf)).streams({ start: false });
    const stop = new AbortController();
    process.once('SIGINT', () => stop.abort());
    // `wshed tail s | head`: a reader that goes away ends the tail quietly, as it ends kcat.
    let outputError: NodeJS.ErrnoException | null = null;
    const onOutputError = (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') outputError ??= err;
      stop.abort();
    };
    process.stdout.on('error', onOutputError);
    const aborted = new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve(), { once: true }));
    /** Writes one record, waiting while a slow reader drains the pipe (memory stays flat). */
    const write = async (text: string) => {
      if (!process.stdout.write(text)) await Promise.race([once(process.stdout, 'drain'), aborted]);
    };
    let printed = 0;
    try {
      if (!(await streams.describeStream(argv.stream))) {
        const names = (await streams.listStreams()).sort();
        throw new UsageError(
          `stream '${argv.stream}' does not exist; ${names.length > 0 ? `the streams are: ${names.join(', ')}` : "there are no streams yet (declare one in a .wshed file and run 'wshed run')"}`,
        );
      }
      const shards = await streams.listShards(argv.stream);
      const from: ShardPosition = argv.from === 'latest' ? { kind: 'latest' } : { kind: 'trim-horizon' };
      await Promise.all(
        shards.map(async (shard) => {
          const pages = readShard(streams, argv.stream, shard.shardId, { from, follow: { pollMs: 250 }, signal: stop.signal, closed: shard.sequenceRange.end !== null });
          try {
            for await (const page of pages) {
              for (const record of page.records) {
                const split = deaggregate(record);
                const users = split.ok ? split.records : [{ partitionKey: record.partitionKey, data: record.data, sequenceNumber: record.sequenceNumber, subSequenceNumber: 0 }];
                for (const u of users) {
                  if (stop.signal.aborted) return;
                  printed++;
                  await write(
                    print({
                      stream: argv.stream,
                      shardId: shard.shardId,
                      sequenceNumber: u.sequenceNumber,
                      subSequenceNumber: u.subSequenceNumber,
                      partitionKey: u.partitionKey,
                      arrivalTime: record.arrivalTime,
                      data: u.data,
                    }),
                  );
                  if (argv.limit !== undefined && printed >= argv.limit) return stop.abort();
                }
              }
            }
          } catch (e) {
            if (!stop.signal.aborted) throw e;
          }
        }),
      );
      if (outputError) throw outputError;
    } finally {
      streams.close();
      process.stdout.off('error', onOutputError);
    }
  },
};

function printerFor(argv: { format?: TailFormat; json: boolean; template?: string }): RecordPrinter {
  const chosen = [argv.format !== undefined && `--format ${argv.format}`, argv.json && '--json', argv.template !== undefined && '--template'].filter(Boolean);
  if (chosen.length > 1 && !(chosen.length === 2 && argv.json && argv.format === 'json')) {
    throw new UsageError(`give one of --format, --json and --template, not ${chosen.join(' and ')}`);
  }
  if (argv.template !== undefined) return templatePrinter(argv.template);
  return formatPrinter(argv.json ? 'json' : (argv.format ?? 'text'));
}
