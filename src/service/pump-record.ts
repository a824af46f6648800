// Turns one query row into the Kinesis record a query job emits, as the original pump did: the
// reservoir's own records (rows with `payload` and `_partition_key`) go out as they came in, with
// their original key; `rawDataColumn`/`partitionKeyColumn` pick the columns otherwise; the
// replay/overwrite flags become top-level fields of a JSON object. Edits are on the JSON text,
// so a payload's numbers keep every digit.

import { randomUUID } from 'node:crypto';
import type { QueryRow } from '../runtime/query/rows.ts';
import { decodeString, objectMembers } from '../runtime/replay/json-text.ts';

/** Kinesis partition keys are 1 to 256 characters. */
const MAX_PARTITION_KEY = 256;

export interface PumpRecordOptions {
  readonly hasReplayFlag: boolean;
  readonly hasOverwriteFlag: boolean;
  readonly partitionKeyColumn: string | null;
  readonly rawDataColumn: string | null;
}

export interface PumpRecord {
  readonly partitionKey: string;
  readonly data: Buffer;
}

/** A column the job names is not in the query's result: the job fails with this message. */
export class MissingColumn extends Error {}

export function pumpRecord(row: QueryRow, o: PumpRecordOptions): PumpRecord {
  const original = row.columns.has('payload') && row.columns.has('_partition_key');
  let data: string;
  if (o.rawDataColumn !== null) data = asText(column(row, o.rawDataColumn, 'rawDataColumn'));
  else if (original) data = row.columns.get('payload')!;
  else data = row.text;

  let key: string | null = null;
  if (o.partitionKeyColumn !== null) key = keyText(column(row, o.partitionKeyColumn, 'partitionKeyColumn'));
  if (key === null && row.columns.has('_partition_key')) key = keyText(row.columns.get('_partition_key')!);
  // No usable key: a random one spreads the records over the shards.
  if (key === null) key = randomUUID();

  return { partitionKey: key, data: Buffer.from(withFlags(data, o), 'utf8') };
}

function column(row: QueryRow, name: string, field: string): string {
  const value = row.columns.get(name);
  if (value === undefined) throw new MissingColumn(`${field}: column '${name}' is not in the query's result (it has: ${[...row.columns.keys()].join(', ')})`);
  return value;
}

/** A string column is the text itself; any other value is its JSON text. */
function asText(json: string): string {
  return json.charCodeAt(0) === 0x22 ? decodeString(json) : json;
}

function keyText(json: string): string | null {
  if (json === 'null') return null;
  const text = asText(json);
  return text.length > 0 && text.length <= MAX_PARTITION_KEY ? text : null;
}

/** Sets `"replay": true` / `"overwrite": true` on a JSON object (replacing members of those names); other data is unchanged. */
export function withFlags(data: string, o: Pick<PumpRecordOptions, 'hasReplayFlag' | 'hasOverwriteFlag'>): string {
  const flags = [...(o.hasReplayFlag ? ['replay'] : []), ...(o.hasOverwriteFlag ? ['overwrite'] : [])];
  if (flags.length === 0) return data;
  const members = objectMembers(data);
  if (!members) return data;
  const added = flags.map((f) => `"${f}":true`).join(',');
  const kept = members.filter((m) => !flags.includes(m.key)).map((m) => data.slice(m.start, m.end));
  return `{${kept.join(',')}${kept.length > 0 ? ',' : ''}${added}}`;
}

/** Cells of a row as the original pump's lastSuccessfulRow holds them (column → text), each cut to this many characters. */
const ROW_CELL_CHARS = 1024;

/** The row as the original pump reported its last acknowledged one: each column's text (a string as itself, anything else as JSON). */
export function rowRecord(row: QueryRow): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [name, json] of row.columns) {
    const text = json === 'null' ? null : asText(json);
    out[name] = text !== null && text.length > ROW_CELL_CHARS ? `${text.slice(0, ROW_CELL_CHARS)}…` : text;
  }
  return out;
}
