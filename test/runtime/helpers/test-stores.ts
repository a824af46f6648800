// The reservoir stores the contract tests run against: a temp folder, and S3 on a real moto
// server reached through AWS_ENDPOINT_URL only (the product's own client factory and store).
// WSHED_TEST_STORES=fs (or s3) narrows a run to one of them.

import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { Location } from '../../../src/compiler/model.ts';
import { createS3Client } from '../../../src/runtime/aws/s3-client.ts';
import { openReservoirStore } from '../../../src/runtime/reservoir/open-store.ts';
import type { ReservoirStore } from '../../../src/runtime/reservoir/store.ts';
import { suite, type Test } from 'uvu';
import { startTestKinesis, tempDir, type TestKinesis } from './local-kinesis.ts';
import { startTestMoto, useEnvironment, type TestMoto } from './moto.ts';

export interface TestReservoir {
  readonly location: Location;
  /** The folder, or s3://bucket/prefix. */
  readonly label: string;
  /** The store as the archiver opens it (openReservoirStore). */
  store(): ReservoirStore;
  remove(): Promise<void>;
}

export interface StoreKind {
  readonly name: 'fs' | 's3';
  start(): Promise<void>;
  stop(): Promise<void>;
  /** A new, empty reservoir location (on S3: in a bucket of its own, so several buckets are used). */
  fresh(): Promise<TestReservoir>;
  /** Environment a child process needs to reach this store (moto's endpoint and fake credentials). */
  env(): Readonly<Record<string, string>>;
}

let bucketCounter = 0;

const fsKind: StoreKind = {
  name: 'fs',
  start: async () => {},
  stop: async () => {},
  env: () => ({}),
  async fresh() {
    const dir = await tempDir();
    const location: Location = { kind: 'local', path: dir.path };
    return { location, label: dir.path, store: () => openReservoirStore('test', location), remove: () => dir.remove() };
  },
};

function s3Kind(): StoreKind {
  let moto: TestMoto | null = null;
  let restoreEnvironment: (() => void) | undefined;
  return {
    name: 's3',
    async start() {
      moto = await startTestMoto();
      // By environment alone, as a user points the SDK at an endpoint.
      restoreEnvironment = useEnvironment(moto.env);
    },
    async stop() {
      await moto?.close();
      moto = null;
      restoreEnvironment?.();
    },
    env: () => ({ ...moto!.env }),
    async fresh() {
      const bucket = `wshed-test-${process.pid}-${++bucketCounter}`;
      const client = createS3Client();
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      const location: Location = { kind: 's3', bucket, prefix: 'reservoirs/orders' };
      return {
        location,
        label: `s3://${bucket}/reservoirs/orders`,
        store: () => openReservoirStore('test', location),
        async remove() {
          for (;;) {
            const page = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
            if (!page.Contents?.length) break;
            for (const o of page.Contents) await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: o.Key! }));
          }
          await client.send(new DeleteBucketCommand({ Bucket: bucket }));
          client.destroy();
        },
      };
    },
  };
}

/** The stores to run a contract suite against (both unless WSHED_TEST_STORES says otherwise). */
export function storeKinds(): StoreKind[] {
  const wanted = (process.env.WSHED_TEST_STORES ?? 'fs,s3').split(',').map((s) => s.trim());
  return [fsKind, s3Kind()].filter((k) => wanted.includes(k.name));
}

/**
 * A uvu suite over one store kind with a real kinesalite: the store and Kinesis start once, each
 * test gets a fresh reservoir (removed afterwards). The callbacks hand them to the test file.
 */
export function storeSuite(
  title: string,
  kind: StoreKind,
  use: { kinesis(k: TestKinesis): void; reservoir(r: TestReservoir): void },
): Test {
  const test = suite(title);
  let kinesis: TestKinesis | null = null;
  let reservoir: TestReservoir | null = null;
  test.before(async () => {
    await kind.start();
    kinesis = await startTestKinesis();
    use.kinesis(kinesis);
  });
  test.after(async () => {
    await kinesis?.close();
    await kind.stop();
  });
  test.before.each(async () => {
    reservoir = await kind.fresh();
    use.reservoir(reservoir);
  });
  test.after.each(async () => {
    await reservoir?.remove();
  });
  return test;
}
