// How `wshed tail` prints one record: `text` (the data), `json` (one object a record, the data as
// JSON, text or base64, so no byte is lost), `kv` (logfmt-style key=value), or a kcat-style
// template (`-f '%k %s\n'`). Everything a producer controls is escaped before it reaches a terminal.

import { isUtf8 } from 'node:buffer';
import { printable, printableBytes, terminalSafeJson } from '../runtime/printable-text.ts';
import { UsageError } from './io.ts';

export const TAIL_FORMATS = ['text', 'json', 'kv'] as const;
export type TailFormat = (typeof TAIL_FORMATS)[number];

/** One user record as tail sees it (de-aggregated). */
export interface TailedRecord {
  readonly stream: string;
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly subSequenceNumber: number;
  readonly partitionKey: string;
  readonly arrivalTime: Date;
  readonly data: Buffer;
}

export type RecordPrinter = (r: TailedRecord) => string;

/** The template placeholders, as in kcat where kcat has one (Kinesis names in parentheses). */
export const TEMPLATE_PLACEHOLDERS: readonly { readonly token: string; readonly meaning: string; readonly print: RecordPrinter }[] = [
  { token: '%s', meaning: 'the data (escaped: invalid UTF-8 bytes and control characters as \\xHH)', print: (r) => printableBytes(r.data) },
  { token: '%S', meaning: 'the data size in bytes', print: (r) => String(r.data.length) },
  { token: '%k', meaning: 'the partition key', print: (r) => printable(r.partitionKey) },
  { token: '%K', meaning: 'the partition key size in bytes', print: (r) => String(Buffer.byteLength(r.partitionKey)) },
  { token: '%p', meaning: 'the shard id (kcat: partition)', print: (r) => r.shardId },
  { token: '%o', meaning: 'the sequence number (kcat: offset)', print: (r) => r.sequenceNumber },
  { token: '%u', meaning: 'the sub-sequence number (position in a KPL aggregate, 0 if none)', print: (r) => String(r.subSequenceNumber) },
  { token: '%T', meaning: 'the arrival time, ISO-8601 UTC (kcat: milliseconds)', print: (r) => r.arrivalTime.toISOString() },
  { token: '%t', meaning: 'the stream (kcat: topic)', print: (r) => printable(r.stream) },
  { token: '%%', meaning: 'a %', print: () => '%' },
];

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\' };

/** Compiles a template; an unknown placeholder or escape is a usage error naming its column. */
export function templatePrinter(template: string): RecordPrinter {
  const parts: (string | RecordPrinter)[] = [];
  let literal = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c === '%' || c === '\\') {
      const token = template.slice(i, i + 2);
      const placeholder = c === '%' ? TEMPLATE_PLACEHOLDERS.find((p) => p.token === token) : undefined;
      const escape = c === '\\' ? ESCAPES[template[i + 1]] : undefined;
      if (placeholder) {
        if (literal) parts.push(literal);
        literal = '';
        parts.push(placeholder.print);
      } else if (escape !== undefined) literal += escape;
      else {
        const known = c === '%' ? TEMPLATE_PLACEHOLDERS.map((p) => p.token).join(' ') : '\\n \\t \\r \\\\';
        throw new UsageError(`--template: unknown ${c === '%' ? 'placeholder' : 'escape'} '${token}' at column ${i + 1} (known: ${known}; see wshed tail --help)`);
      }
      i++;
    } else literal += c;
  }
  if (literal) parts.push(literal);
  return (r) => parts.map((p) => (typeof p === 'string' ? p : p(r))).join('');
}

export function formatPrinter(format: TailFormat): RecordPrinter {
  switch (format) {
    case 'text':
      return (r) => printableBytes(r.data) + '\n';
    case 'json':
      return (r) => `{${jsonFields(r)},${jsonData(r.data)}}\n`;
    case 'kv':
      return (r) =>
        [
          ['stream', r.stream],
          ['shard_id', r.shardId],
          ['sequence_number', r.sequenceNumber],
          ['sub_sequence_number', String(r.subSequenceNumber)],
          ['partition_key', r.partitionKey],
          ['arrival_time', r.arrivalTime.toISOString()],
          isUtf8(r.data) ? ['data', r.data.toString('utf8')] : ['data_base64', r.data.toString('base64')],
        ]
          .map(([k, v]) => `${k}=${kvValue(v)}`)
          .join(' ') + '\n';
  }
}

function jsonFields(r: TailedRecord): string {
  return terminalSafeJson(
    `"stream":${JSON.stringify(r.stream)},"shard_id":${JSON.stringify(r.shardId)},"sequence_number":"${r.sequenceNumber}",` +
      `"sub_sequence_number":${r.subSequenceNumber},"partition_key":${JSON.stringify(r.partitionKey)},"arrival_time":"${r.arrivalTime.toISOString()}"`,
  );
}

/**
 * `"data":` the producer's JSON text as sent (numbers keep every digit) when it parses;
 * `"data_text":` the text when it is UTF-8 but not JSON; `"data_base64":` the bytes otherwise.
 */
function jsonData(data: Buffer): string {
  if (!isUtf8(data)) return `"data_base64":"${data.toString('base64')}"`;
  const text = data.toString('utf8');
  try {
    JSON.parse(text);
  } catch {
    return `"data_text":${terminalSafeJson(JSON.stringify(text))}`;
  }
  // Valid JSON holds raw line breaks only as whitespace between tokens: spaces keep it one line.
  return `"data":${terminalSafeJson(/[\r\n]/.test(text) ? text.replace(/[\r\n]/g, ' ') : text)}`;
}

/** logfmt: bare when plain, else a JSON string (exact, and escaped for the terminal). */
function kvValue(v: string): string {
  return /^[^\s"=\\]+$/.test(v) && printable(v) === v
    ? v
    : terminalSafeJson(JSON.stringify(v));
}
