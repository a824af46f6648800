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

/**
 * Lines are encoded straight into a buffer of this size, written out when full and after each
 * page: the lines die young, and the buffer is reused, so memory stays flat whatever the page.
 */
const LINE_BUFFER_BYTES = 1024 * 1024;

interface Chunk {
  readonly partition: string;
  readonly first: string;
  last: string;
  lastArrival: string;
  records: number;
  quarantined: number;
  textBytes: number;
  data: LineSink;
  quarantine: LineSink;
}

export class ChunkWriter {
  private chunk: Chunk | null = null;
  /** What this writer has made visible so far. */
  readonly committed = { records: 0, quarantined: 0, files: 0, bytes: 0 };

  constructor(private readonly config: ChunkWriterConfig) {}

  /** Adds one Kinesis record (all its user records); commits the open chunk first if it is full. */
  async add(record: KinesisRecord): Promise<{ records: number; quarantined: number }> {
    const arrival = this.arrival(record.arrivalTime);
    const partition = arrival.partition;
    const open = this.chunk;
    if (open && (open.partition !== partition || open.records >= this.config.maxRecords || open.textBytes >= this.config.maxBytes)) {
      await this.commit();
    }
    const chunk = (this.chunk ??= this.newChunk(partition, record.sequenceNumber));
    const arrivalTime = arrival.iso;
    const base = { stream: this.config.stream, shardId: this.config.shardId, sequenceNumber: record.sequenceNumber, arrivalTime };
    let quarantined = 0;
    const unpacked = deaggregate(record);
    if (!unpacked.ok) {
      const line = quarantineLine({ ...base, subSequenceNumber: 0, partitionKey: record.partitionKey }, record.data, unpacked.error);
      await chunk.quarantine.write(line);
      chunk.textBytes += line.length;
      quarantined = 1;
    } else {
      for (const user of unpacked.records) {
        const meta: RecordMeta = { ...base, subSequenceNumber: user.subSequenceNumber, partitionKey: user.partitionKey };
        const { kind, line } = encodeUserRecord(meta, user.data);
        if (kind === 'record') await chunk.data.write(line);
        else {
          await chunk.quarantine.write(line);
          quarantined++;
        }
        chunk.textBytes += line.length;
      }
    }
    const records = unpacked.ok ? unpacked.records.length : 1;
    chunk.records += records;
    chunk.quarantined += quarantined;
    chunk.last = record.sequenceNumber;
    chunk.lastArrival = arrivalTime;
    return { records, quarantined };
  }

  /** Writes the encoded lines out to the staged files (a page's worth at most is held). */
  async flush(): Promise<void> {
    const chunk = this.chunk;
    if (!chunk) return;
    await chunk.data.flush();
    await chunk.quarantine.flush();
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
    if (chunk.quarantine.staged) {
      files.push({ staged: chunk.quarantine.staged, path: quarantineFilePath(chunk.partition, range), size: await chunk.quarantine.staged.seal() });
    }
    if (chunk.data.staged) {
      let staged = chunk.data.staged;
      if (this.config.format === 'parquet') {
        await staged.seal();
        const ndjson = staged;
        staged = await store.stage();
        chunk.data.staged = staged;
        await (await this.config.parquet()).convert(ndjson.localPath, staged.localPath);
        await ndjson.discard();
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
    await chunk?.data.staged?.discard();
    await chunk?.quarantine.staged?.discard();
  }

  /** An arrival time as ISO text and its partition, made once per millisecond (records of a page mostly share theirs). */
  private arrival(time: Date): { readonly iso: string; readonly partition: string } {
    const ms = time.getTime();
    if (ms !== this.lastArrival.ms) this.lastArrival = { ms, iso: time.toISOString(), partition: partitionPath(this.config.partition, time) };
    return this.lastArrival;
  }
  private lastArrival = { ms: Number.NaN, iso: '', partition: '' };

  private newChunk(partition: string, first: string): Chunk {
    const stage = () => this.config.store.stage();
    // One buffer per writer, shared by its chunks in turn (a chunk is flushed before it commits).
    this.buffers ??= { data: Buffer.allocUnsafe(LINE_BUFFER_BYTES), quarantine: null };
    const buffers = this.buffers;
    return {
      partition,
      first,
      last: first,
      lastArrival: '',
      records: 0,
      quarantined: 0,
      textBytes: 0,
      data: new LineSink(stage, () => buffers.data),
      // Quarantine lines are rare: their buffer is made on the first one.
      quarantine: new LineSink(stage, () => (buffers.quarantine ??= Buffer.allocUnsafe(LINE_BUFFER_BYTES))),
    };
  }
  private buffers: { data: Buffer; quarantine: Buffer | null } | null = null;
}

/**
 * The lines of one file of a chunk: UTF-8 encoded into a reused buffer, appended to the staged
 * file (made on the first line) whenever the buffer is full and on flush.
 */
class LineSink {
  staged: StagedFile | null = null;
  private used = 0;

  constructor(
    private readonly stage: () => Promise<StagedFile>,
    private readonly buffer: () => Buffer,
  ) {}

  async write(line: string): Promise<void> {
    const buffer = this.buffer();
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    if (buffer.length - this.used < line.length * 3) {
      await this.flush();
      if (buffer.length < line.length * 3) {
        this.staged ??= await this.stage();
        await this.staged.append(line);
        return;
      }
    }
    this.used += buffer.write(line, this.used, 'utf8');
  }

  async flush(): Promise<void> {
    if (this.used === 0) return;
    this.staged ??= await this.stage();
    await this.staged.append(this.buffer().subarray(0, this.used));
    this.used = 0;
  }
}
