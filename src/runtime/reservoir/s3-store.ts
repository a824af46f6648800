// The reservoir store on S3 (`s3://bucket/prefix`): objects appear whole, so a staged file is a
// local temporary file that publish uploads with `If-None-Match: *` (never replacing an object);
// the lease uses `If-None-Match: *` to create and `If-Match: <ETag>` to renew or take over.

import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isProcessAlive } from '../pid-lock.ts';
import { RuntimeError } from '../runtime-error.ts';
import { worldFailure } from '../world-failure.ts';
import { s3ErrorOf } from '../aws/s3-client.ts';
import type { ReservoirStore, StagedFile, StoredFile, StorePath, TaggedFile } from './store.ts';
import { appendWhole } from './append-whole.ts';

export interface S3Location {
  readonly bucket: string;
  /** Without leading or trailing '/'; '' for the bucket's root. */
  readonly prefix: string;
}

export interface S3StoreOptions {
  /** Where staged files are written before upload (default: the system's temp folder). */
  readonly stagingRoot?: string;
}

const STAGING_FOLDER = 'wshed-s3-staging';

export class S3ReservoirStore implements ReservoirStore {
  readonly location: string;
  private readonly stagingParent: string;
  private staging: Promise<string> | null = null;

  constructor(
    private readonly client: S3Client,
    private readonly where: S3Location,
    options: S3StoreOptions = {},
  ) {
    this.location = `s3://${where.bucket}${where.prefix ? `/${where.prefix}` : ''}`;
    this.stagingParent = path.join(options.stagingRoot ?? os.tmpdir(), STAGING_FOLDER);
  }

  async stage(): Promise<StagedFile> {
    this.staging ??= fs.mkdir(this.stagingParent, { recursive: true }).then(() => fs.mkdtemp(path.join(this.stagingParent, `${process.pid}-`)));
    const folder = await this.staging;
    const localPath = path.join(folder, `${randomBytes(6).toString('hex')}.tmp`);
    await fs.writeFile(localPath, '');
    return new S3StagedFile(localPath, this);
  }

  async writeAtomic(p: StorePath, data: string | Uint8Array): Promise<void> {
    await this.call('writing', p, () => this.client.send(new PutObjectCommand({ Bucket: this.where.bucket, Key: this.key(p), Body: data })));
  }

  async readHead(p: StorePath, bytes: number): Promise<Buffer | null> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.where.bucket, Key: this.key(p), Range: `bytes=0-${Math.max(bytes, 1) - 1}` }));
      return Buffer.from(await out.Body!.transformToByteArray());
    } catch (err) {
      if (isMissing(err)) return null;
      // An empty object has no byte 0 to range over.
      if ((err as { name?: string }).name === 'InvalidRange') return Buffer.alloc(0);
      throw this.failure(err, 'reading', p);
    }
  }

  async read(p: StorePath): Promise<Buffer | null> {
    return (await this.readTagged(p))?.data ?? null;
  }

  async readTagged(p: StorePath): Promise<TaggedFile | null> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.where.bucket, Key: this.key(p) }));
      const data = Buffer.from(await out.Body!.transformToByteArray());
      return { data, tag: out.ETag ?? '' };
    } catch (err) {
      if (isMissing(err)) return null;
      throw this.failure(err, 'reading', p);
    }
  }

  async exists(p: StorePath): Promise<boolean> {
    return (await this.head(p)) !== null;
  }

  /** The object's ETag, or null when there is none at `p`. */
  async head(p: StorePath): Promise<string | null> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.where.bucket, Key: this.key(p) }));
      return out.ETag ?? '';
    } catch (err) {
      if (isMissing(err)) return null;
      throw this.failure(err, 'reading', p);
    }
  }

  async *list(prefix: StorePath = ''): AsyncIterable<StoredFile> {
    const base = this.where.prefix ? `${this.where.prefix}/` : '';
    let token: string | undefined;
    do {
      const page = await this.call('listing', prefix, () =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.where.bucket,
            Prefix: base + (prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`),
            ...(token ? { ContinuationToken: token } : {}),
          }),
        ),
      );
      for (const object of page.Contents ?? []) {
        if (!object.Key || object.Key.endsWith('/')) continue;
        yield { path: object.Key.slice(base.length), size: object.Size ?? 0 };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async remove(p: StorePath): Promise<void> {
    await this.call('removing', p, () => this.client.send(new DeleteObjectCommand({ Bucket: this.where.bucket, Key: this.key(p) })));
  }

  /** Nothing is staged on S3 itself; this process's local staging folder and those of processes that died are removed. */
  async clearStaging(): Promise<void> {
    const own = this.staging;
    this.staging = null;
    const folder = own ? await own.catch(() => null) : null;
    if (folder) await fs.rm(folder, { recursive: true, force: true });
    let names: string[];
    try {
      names = await fs.readdir(this.stagingParent);
    } catch {
      return;
    }
    for (const name of names) {
      const pid = Number(name.split('-', 1)[0]);
      if (Number.isInteger(pid) && pid !== process.pid && !isProcessAlive(pid)) {
        await fs.rm(path.join(this.stagingParent, name), { recursive: true, force: true });
      }
    }
  }

  async createIfAbsent(p: StorePath, data: string | Uint8Array): Promise<string | null> {
    return this.conditionalPut(p, data, { IfNoneMatch: '*' });
  }

  async replaceIfMatch(p: StorePath, data: string | Uint8Array, tag: string): Promise<string | null> {
    return this.conditionalPut(p, data, { IfMatch: tag });
  }

  async removeIfMatch(p: StorePath, tag: string): Promise<boolean> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.where.bucket, Key: this.key(p), IfMatch: tag }));
      return true;
    } catch (err) {
      if (isPreconditionFailed(err) || isMissing(err)) return false;
      throw this.failure(err, 'removing', p);
    }
  }

  readableUrl(p: StorePath): string {
    return `s3://${this.where.bucket}/${this.key(p)}`;
  }

  /** Uploads a sealed local file at `p` unless an object is there; a retry of our own upload finds our bytes. */
  async upload(p: StorePath, localPath: string, size: number, md5: Buffer): Promise<void> {
    const key = this.key(p);
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.send(
          new PutObjectCommand({
            Bucket: this.where.bucket,
            Key: key,
            // A stream cannot be sent twice, so the SDK does not retry it: this loop does.
            Body: createReadStream(localPath),
            ContentLength: size,
            ContentMD5: md5.toString('base64'),
            IfNoneMatch: '*',
          }),
        );
        return;
      } catch (err) {
        if (isPreconditionFailed(err)) {
          // An earlier attempt may have landed with its answer lost: the same bytes are ours.
          const etag = await this.head(p);
          if (etag !== null && etag.replace(/"/g, '') === md5.toString('hex')) return;
          throw new Error(`reservoir file ${p} already exists in ${this.location}; refusing to replace it`);
        }
        if (attempt >= 4 || !isRetryable(err)) throw this.failure(err, 'writing', p);
        await new Promise((r) => setTimeout(r, 100 * 2 ** attempt * (0.5 + Math.random())));
      }
    }
  }

  private async conditionalPut(p: StorePath, data: string | Uint8Array, condition: { IfNoneMatch: string } | { IfMatch: string }): Promise<string | null> {
    try {
      const out = await this.client.send(new PutObjectCommand({ Bucket: this.where.bucket, Key: this.key(p), Body: data, ...condition }));
      return out.ETag ?? md5Hex(data);
    } catch (err) {
      if (isPreconditionFailed(err) || ('IfMatch' in condition && isMissing(err))) return null;
      throw this.failure(err, 'writing', p);
    }
  }

  private key(p: StorePath): string {
    if (p.split('/').some((s) => s === '..' || s === '.') || p.startsWith('/')) {
      throw new Error(`path '${p}' leaves the reservoir at ${this.location}`);
    }
    return this.where.prefix ? `${this.where.prefix}/${p}` : p;
  }

  private async call<T>(operation: string, p: StorePath, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw this.failure(err, operation, p);
    }
  }

  /**
   * A missing bucket, refused access or missing credentials as one coded line (WS747); S3 out of
   * reach or another refusal as the outside world's (worldFailure); anything else as it is.
   */
  private failure(err: unknown, operation: string, p: StorePath): unknown {
    const s3 = s3ErrorOf(err);
    const name = s3?.name ?? (err as Error)?.name;
    // What the reservoir's own message says best, before the generic refusal (WS737).
    const known =
      name === 'NoSuchBucket' ? `bucket '${this.where.bucket}' does not exist` : name === 'AccessDenied' || s3?.status === 403 ? 'access denied' : null;
    if (known) return new RuntimeError('WS747', { operation, object: `${this.location}/${p}`, reason: known }, { cause: err });
    // S3 unreachable: said as such, not as the Kinesis service the caller may have in mind.
    const world = worldFailure(err, { service: `S3 (${this.location})`, during: `${operation} ${this.location}/${p}` });
    if (world) return world;
    const reason =
      name === 'CredentialsProviderError'
        ? 'no AWS credentials were found'
        : /Region is missing/i.test((err as Error)?.message ?? '')
          ? 'no AWS region is set'
          : null;
    if (reason === null) return err;
    return new RuntimeError('WS747', { operation, object: `${this.location}/${p}`, reason }, { cause: err });
  }
}

class S3StagedFile implements StagedFile {
  private handle: FileHandle | null = null;
  private sealed: { size: number; md5: Buffer } | null = null;
  private published = false;
  bytes = 0;

  constructor(
    readonly localPath: string,
    private readonly store: S3ReservoirStore,
  ) {}

  async append(data: string | Uint8Array): Promise<void> {
    if (this.sealed) throw new Error('append after seal');
    this.handle ??= await fs.open(this.localPath, 'a');
    this.bytes += await appendWhole(this.handle, data);
  }

  /** Closes the local file (which another writer, DuckDB, may have filled) and hashes it for the upload. */
  async seal(): Promise<number> {
    await this.handle?.close();
    this.handle = null;
    const hash = createHash('md5');
    let size = 0;
    for await (const chunk of createReadStream(this.localPath)) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).byteLength;
    }
    this.sealed = { size, md5: hash.digest() };
    return size;
  }

  async publish(p: StorePath): Promise<void> {
    if (!this.sealed) throw new Error('publish before seal');
    await this.store.upload(p, this.localPath, this.sealed.size, this.sealed.md5);
    this.published = true;
    await fs.rm(this.localPath, { force: true });
  }

  async discard(): Promise<void> {
    if (this.handle) {
      await this.handle.close().catch(() => {});
      this.handle = null;
    }
    if (!this.published) await fs.rm(this.localPath, { force: true });
  }
}

function md5Hex(data: string | Uint8Array): string {
  return `"${createHash('md5').update(data).digest('hex')}"`;
}

function isMissing(err: unknown): boolean {
  const s3 = s3ErrorOf(err);
  return s3 !== null && (s3.name === 'NoSuchKey' || s3.name === 'NotFound' || (s3.status === 404 && s3.name !== 'NoSuchBucket'));
}

function isPreconditionFailed(err: unknown): boolean {
  const s3 = s3ErrorOf(err);
  // 409 ConditionalRequestConflict: a concurrent conditional write of the same key won.
  return s3 !== null && (s3.name === 'PreconditionFailed' || s3.status === 412 || s3.name === 'ConditionalRequestConflict');
}

function isRetryable(err: unknown): boolean {
  const s3 = s3ErrorOf(err);
  if (s3?.status !== undefined && (s3.status >= 500 || s3.status === 429)) return true;
  if (s3?.name === 'SlowDown' || s3?.name === 'RequestTimeout') return true;
  const code = (err as NodeJS.ErrnoException)?.code;
  return code === 'ECONNRESET' || code === 'EPIPE' || code === 'ETIMEDOUT' || code === 'ECONNREFUSED' || (err as Error)?.name === 'TimeoutError';
}
