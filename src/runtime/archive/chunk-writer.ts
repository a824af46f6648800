// Writes one shard's records into reservoir files, a chunk at a time, and commits each chunk:
// stage the files, record the commit as pending in the checkpoint, publish the files (the data
// file last), then advance the shard's position. A chunk holds whole Kinesis records only.

import { partitionPath, type PartitionScheme, type ReservoirFormat } from '../../compiler/record-layout.ts';
import { deaggregate } from '../kinesis/kpl.ts';
import type { KinesisRecord } from '../kinesis/stream-service.ts';
import { dataFilePath, quarantineFilePath } from '../reservoir/file-names.ts';
import { encodeUserRecord, quarantineLine, type RecordMeta } from '../reservoir/record-encoding.ts';
import type { ReservoirStore, StagedFile, StorePath } from '../reservoir/store.ts';
import { later, type CheckpointKeeper } from './checkpoint-keeper.ts';
import type { ParquetWriter } from './parquet.ts';

export interface ChunkWriterConfig {
  readonly store: ReservoirStore;
  readonly keeper: CheckpointKeeper;
  readonly stream: string;
  readonly shardId: string;
  readonly format: ReservoirFormat;
  readonly partition: PartitionScheme;
  readonly maxRecords: number;
  readonly maxBytes: number;
  readonly parquet: () => Promise<ParquetWriter>;
  /** Throws unless this process still holds the archive lease: checked before each publish. */
  readonly leaseHeld?: () => void;
}

export interface CommittedChunk {
  readonly records: number;
  readonly quarantined: number;
  readonly files: number;
  readonly bytes: number;
}

/** Buffered lines are written out at this size even mid-page (aggregates make pages large). */
const FLUSH_AT_CHARS = 8 * 1024 * 1024;

interface Chunk {
  readonly partition: string;
  readonly first: string;
  last: string;
  lastArrival: string;
  records: number;
  quarantined: number;
  textBytes: number;
  bufferedChars: number;
  data: StagedFile | null;
  quarantine: StagedFile | null;
  dataLines: string[];
  quarantineLines: string[];
}

export class ChunkWriter {
  private chunk: Chunk | null = null;
  /** What this writer has made visible so far. */
  readonly committed = { records: 0, quarantined: 0, files: 0, bytes: 0 };

  constructor(private readonly config: ChunkWriterConfig) {}

  /** Adds one Kinesis record (all its user records); commits the open chunk first if it is full. */
  async add(record: KinesisRecord): Promise<{ records: number; quarantined: number }> {
    const partition = partitionPath(this.config.partition, record.arrivalTime);
    const open = this.chunk;
    if (open && (open.partition !== partition || open.records >= this.config.maxRecords || open.textBytes >= this.config.maxBytes)) {
      await this.commit();
    }
    const chunk = (this.chunk ??= newChunk(partition, record.sequenceNumber));
    const arrivalTime = record.arrivalTime.toISOString();
    const base = { stream: this.config.stream, shardId: this.config.shardId, sequenceNumber: record.sequenceNumber, arrivalTime };
    let quarantined = 0;
    const unpacked = deaggregate(record);
    if (!unpacked.ok) {
      const line = quarantineLine({ ...base, subSequenceNumber: 0, partitionKey: record.partitionKey }, record.data, unpacked.error);
      chunk.quarantineLines.push(line);
      chunk.textBytes += line.length;
      chunk.bufferedChars += line.length;
      quarantined = 1;
    } else {
      for (const user of unpacked.records) {
        const meta: RecordMeta = { ...base, subSequenceNumber: user.subSequenceNumber, partitionKey: user.partitionKey };
        const { kind, line } = encodeUserRecord(meta, user.data);
        if (kind === 'record') chunk.dataLines.push(line);
        else {
          chunk.quarantineLines.push(line);
          quarantined++;
        }
        chunk.textBytes += line.length;
        chunk.bufferedChars += line.length;
      }
    }
    const records = unpacked.ok ? unpacked.records.length : 1;
    chunk.records += records;
    chunk.quarantined += quarantined;
    chunk.last = record.sequenceNumber;
    chunk.lastArrival = arrivalTime;
    if (chunk.bufferedChars >= FLUSH_AT_CHARS) await this.flush();
    return { records, quarantined };
  }

  /** Moves buffered lines to the staged files (keeps memory bounded to about a page). */
  async flush(): Promise<void> {
    const chunk = this.chunk;
    if (!chunk) return;
    if (chunk.dataLines.length > 0) {
      chunk.data ??= await this.config.store.stage();
      await chunk.data.append(chunk.dataLines.join(''));
      chunk.dataLines = [];
    }
    if (chunk.quarantineLines.length > 0) {
      chunk.quarantine ??= await this.config.store.stage();
      await chunk.quarantine.append(chunk.quarantineLines.join(''));
      chunk.quarantineLines = [];
    }
    chunk.bufferedChars = 0;
  }

  /** Commits the open chunk, if any. Returns what became visible. */
  async commit(): Promise<CommittedChunk | null> {
    await this.flush();
    const chunk = this.chunk;
    if (!chunk) return null;
    const { store, keeper, shardId } = this.config;
    const range = { shardId, firstSequenceNumber: chunk.first, lastSequenceNumber: chunk.last };
    // Publish order: quarantine first, the data file last, so the last file marks the commit.
    const files: { staged: StagedFile; path: StorePath; size: number }[] = [];
    if (chunk.quarantine) {
      files.push({ staged: chunk.quarantine, path: quarantineFilePath(chunk.partition, range), size: await chunk.quarantine.seal() });
    }
    if (chunk.data) {
      let staged = chunk.data;
      if (this.config.format === 'parquet') {
        await chunk.data.seal();
        staged = await store.stage();
        await (await this.config.parquet()).convert(chunk.data.localPath, staged.localPath);
        await chunk.data.discard();
        chunk.data = staged;
      }
      files.push({ staged, path: dataFilePath(chunk.partition, range, this.config.format), size: await staged.seal() });
    }

    keeper.setPending({
      shardId,
      firstSequenceNumber: chunk.first,
      lastSequenceNumber: chunk.last,
      lastArrivalTime: chunk.lastArrival,
      records: chunk.records,
      files: files.map((f) => f.path),
    });
    await keeper.save();
    for (const f of files) {
      this.config.leaseHeld?.();
      await f.staged.publish(f.path);
    }
    const before = keeper.shard(shardId);
    keeper.setShard(shardId, {
      sequenceNumber: chunk.last,
      arrivalTime: chunk.lastArrival,
      seenUpTo: later(before?.seenUpTo ?? null, chunk.lastArrival),
      finished: false,
      records: (before?.records ?? 0) + chunk.records,
    });
    keeper.clearPending(shardId);
    await keeper.save();
    this.chunk = null;
    const done = {
      records: chunk.records,
      quarantined: chunk.quarantined,
      files: files.length,
      bytes: files.reduce((n, f) => n + f.size, 0),
    };
    this.committed.records += done.records;
    this.committed.quarantined += done.quarantined;
    this.committed.files += done.files;
    this.committed.bytes += done.bytes;
    return done;
  }

  /** Drops the open chunk (nothing of it was visible). */
  async discard(): Promise<void> {
    const chunk = this.chunk;
    this.chunk = null;
    await chunk?.data?.discard();
    await chunk?.quarantine?.discard();
  }
}

function newChunk(partition: string, first: string): Chunk {
  return {
    partition,
    first,
    last: first,
    lastArrival: '',
    records: 0,
    quarantined: 0,
    textBytes: 0,
    bufferedChars: 0,
    data: null,
    quarantine: null,
    dataLines: [],
    quarantineLines: [],
  };
}
