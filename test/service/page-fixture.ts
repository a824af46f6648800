// The job service's page as a user gets it: the installed CLI (the bundle dist/wshed.mjs that
// `npm ci` builds) in a scratch folder with its own home, a local Kinesis on a free port, orders
// put into a stream and archived into a reservoir (`wshed archive`), then `wshed serve` on a free port. Used by the
// browser test and by scripts/screenshot.ts (the README's picture).

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createStreamService } from '../../src/runtime/kinesis/aws-stream-service.ts';
import { localKinesisEndpoint } from '../../src/runtime/kinesis/client.ts';
import { putAllRecords } from '../../src/runtime/kinesis/put-records.ts';
import type { StreamService } from '../../src/runtime/kinesis/stream-service.ts';
import { chromium, type BrowserContext } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BUNDLE = path.join(ROOT, 'dist/wshed.mjs');
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'];

export const SOURCE = 'web_orders';
export const DESTINATION = 'web_out';

export function order(n: number): Record<string, unknown> {
  return {
    order_id: n,
    customer: { id: `c-${n % 7}`, region: ['eu', 'us', 'ap'][n % 3] },
    // One name that would be markup if the page ever put data in through innerHTML.
    name: n === 0 ? '<b id="injected">bold</b>' : `order ${n}`,
    status: ['open', 'shipped', 'cancelled'][n % 3],
    total: Math.round(n * 1.5 * 100) / 100,
  };
}

export const PIPELINE = `# The pump page's test pipeline.
stream ${SOURCE} {
  shards 2
  key order_id
}

stream ${DESTINATION} { shards 2 }

reservoir orders {
  from stream ${SOURCE}
  at "./lake/orders"
  format json
  partition hourly
}

query by_region """
  SELECT customer.region AS region, count(*) AS orders FROM orders GROUP BY 1 ORDER BY 1
"""

replay backfill from archive orders
  annotate <replay: true>
  into stream ${DESTINATION}

# Slow on purpose (15 s for 300 orders): jobs a test can watch, cancel and interrupt, even on a busy machine.
replay trickle from archive orders
  into stream ${DESTINATION}
  rate 20/s

replay drip from archive orders
  into stream ${DESTINATION}
  rate 20/s
`;

/** Debian's chromium, headless, with a fresh profile that `close()` removes. */
export async function launchChromium(viewport = { width: 1280, height: 800 }): Promise<{ browser: BrowserContext; close(): Promise<void> }> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/ensure-chromium.sh (as root) to install Debian's chromium`);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'wshed-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, viewport, acceptDownloads: true, args: CHROMIUM_ARGS });
  return {
    browser,
    async close() {
      await browser.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface Cli {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export class PageService {
  readonly dir: string;
  readonly home: string;
  url = '';
  /** The scratch home's local Kinesis (127.0.0.1). */
  kinesisPort = 0;
  private serve: ChildProcess | null = null;
  private serveOutput = '';

  private constructor() {
    if (!fs.existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run npm run build (npm ci does it)`);
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wshed-page-'));
    this.home = path.join(this.dir, '.wshed');
  }

  /** A scratch folder with `records` orders archived, and `wshed serve` running over it. */
  static async start(records: number, serveArgs: string[] = []): Promise<PageService> {
    const s = new PageService();
    try {
      fs.writeFileSync(path.join(s.dir, 'orders.wshed'), PIPELINE);
      const local = s.check(s.cli(['local', 'start', '--port', '0', '--json']));
      s.kinesisPort = (JSON.parse(local.stdout) as { port: number }).port;
      // The records go in through the SDK, as any producer's would; the rest is the CLI's.
      const streams = s.streams();
      try {
        await streams.ensureStream(SOURCE, 2, 24);
        await putAllRecords(
          streams,
          SOURCE,
          Array.from({ length: records }, (_, n) => ({ partitionKey: String(n), data: Buffer.from(JSON.stringify(order(n))) })),
        );
      } finally {
        streams.close();
      }
      s.check(s.cli(['archive', 'orders.wshed']));
      await s.startServe(serveArgs);
      return s;
    } catch (err) {
      await s.close();
      throw err;
    }
  }

  /** A client of the scratch home's local Kinesis (close it when done). */
  streams(): StreamService {
    return createStreamService(localKinesisEndpoint(this.kinesisPort));
  }

  /** Runs the installed CLI in the scratch folder, with the scratch home. */
  cli(args: string[]): Cli {
    const r = spawnSync(process.execPath, [BUNDLE, ...args], { cwd: this.dir, encoding: 'utf8', timeout: 120_000, env: this.env() });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  /** Starts `wshed serve orders.wshed --port 0 ARGS` and waits for the address it prints. */
  async startServe(args: string[] = []): Promise<void> {
    const child = spawn(process.execPath, [BUNDLE, 'serve', 'orders.wshed', '--port', '0', ...args], { cwd: this.dir, env: this.env(), stdio: ['ignore', 'pipe', 'pipe'] });
    this.serve = child;
    this.serveOutput = '';
    this.url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`wshed serve did not start within 120 s:\n${this.serveOutput}`)), 120_000);
      const onData = (chunk: Buffer) => {
        this.serveOutput += chunk.toString('utf8');
        const m = /on (http:\/\/\S+) \(stop with/.exec(this.serveOutput);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`wshed serve exited (${code}):\n${this.serveOutput}`));
      });
    });
  }

  /** Stops `wshed serve` with SIGTERM (running jobs become interrupted) and waits for it to exit. */
  async stopServe(): Promise<void> {
    const child = this.serve;
    this.serve = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    await exited;
    clearTimeout(timer);
  }

  async close(): Promise<void> {
    await this.stopServe();
    this.cli(['local', 'stop']);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private env(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env, WSHED_HOME: this.home, FORCE_COLOR: '0', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
    delete env.WSHED_TOKEN;
    return env;
  }

  private check(r: Cli): Cli {
    if (r.code !== 0) throw new Error(`wshed failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
    return r;
  }
}
