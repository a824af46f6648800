// Sends any number of records: batches within the PutRecords limits (500 entries, 5 MiB) and
// resends the entries Kinesis rejected (throttling) with backoff, keeping results in input order.

import { isThrottled, type PutEntry, type StreamService } from './stream-service.ts';
import { plural } from '../../compiler/format-numbers.ts';

export const PUT_RECORDS_MAX_ENTRIES = 500;
export const PUT_RECORDS_MAX_BYTES = 5 * 1024 * 1024;

export interface PutAllOptions {
  /** Attempts per entry before giving up (default 8). */
  readonly maxRetries?: number;
  readonly onBatch?: (sent: number) => void;
}

export interface PutAllResult {
  readonly shardId: string;
  readonly sequenceNumber: string;
}

export class PutRecordsFailed extends Error {
  constructor(
    readonly failed: number,
    readonly lastError: string,
  ) {
    super(`${plural(failed, 'record')} could not be written after retries: ${lastError}`);
  }
}

/** Writes every entry, in batches; throws PutRecordsFailed if some entries keep failing. */
export async function putAllRecords(
  service: StreamService,
  stream: string,
  entries: readonly PutEntry[],
  options: PutAllOptions = {},
): Promise<PutAllResult[]> {
  const maxRetries = options.maxRetries ?? 8;
  const results: (PutAllResult | undefined)[] = new Array(entries.length);
  let sent = 0;
  for (const batch of batches(entries)) {
    let pending = batch;
    for (let attempt = 0; pending.length > 0; attempt++) {
      let lastError = '';
      let outcomes;
      try {
        outcomes = await service.putRecords(stream, pending.map((i) => entries[i]));
      } catch (err) {
        if (!isThrottled(err) || attempt >= maxRetries) throw err;
        await backoff(attempt);
        continue;
      }
      const retry: number[] = [];
      outcomes.forEach((o, k) => {
        const index = pending[k];
        if (o.ok) results[index] = { shardId: o.shardId, sequenceNumber: o.sequenceNumber };
        else {
          retry.push(index);
          lastError = `${o.errorCode}: ${o.errorMessage}`;
        }
      });
      if (retry.length > 0 && attempt >= maxRetries) throw new PutRecordsFailed(retry.length, lastError);
      if (retry.length > 0) await backoff(attempt);
      pending = retry;
    }
    sent += batch.length;
    options.onBatch?.(sent);
  }
  return results as PutAllResult[];
}

/** Indexes of entries, grouped into batches within the PutRecords limits. */
function* batches(entries: readonly PutEntry[]): Generator<number[]> {
  let batch: number[] = [];
  let bytes = 0;
  for (let i = 0; i < entries.length; i++) {
    const size = entries[i].data.byteLength + Buffer.byteLength(entries[i].partitionKey);
    if (batch.length > 0 && (batch.length >= PUT_RECORDS_MAX_ENTRIES || bytes + size > PUT_RECORDS_MAX_BYTES)) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(i);
    bytes += size;
  }
  if (batch.length > 0) yield batch;
}

function backoff(attempt: number): Promise<void> {
  const ms = Math.min(100 * 2 ** attempt, 5_000) * (0.5 + Math.random() / 2);
  return new Promise((r) => setTimeout(r, ms));
}
