// /health latency of the job service while big previews run: GET /health in a loop, first with
// the service idle, then while 3 clients keep asking for previews of 1,000 rows of 1 MB each (the
// load that took 3.7 GB and blocked the event loop 3.5 s before previews were bounded). The service
// runs on this thread, as `wshed serve` does; the health client sends one request at a time.
// Not a test: machines are noisy; compare the lines of one run, not figures across machines.
// Usage: node --import tsx bench/preview-health.ts [--seconds 10] [--previewers 3]

import http from 'node:http';
import path from 'node:path';
import { mergePlans } from '../src/service/context.ts';
import { startPumpServer } from '../src/service/server.ts';
import { startTestKinesis, tempDir } from '../test/runtime/helpers/local-kinesis.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const seconds = arg('seconds', 10);
const previewers = arg('previewers', 3);
const BIG = "SELECT repeat('x', 1000000) AS big, range AS n FROM range(1000)";

function get(url: string, route: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    http.get(url + route, { agent: keepAlive }, (res) => {
      res.resume();
      res.on('end', () => resolve(performance.now() - started));
    }).on('error', reject);
  });
}

function post(url: string, route: string, body: unknown): Promise<number> {
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(url + route, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) } }, (res) => {
      let size = 0;
      res.on('data', (c: Buffer) => (size += c.length));
      res.on('end', () => (res.statusCode === 200 ? resolve(size) : reject(new Error(`preview answered ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(text);
  });
}

const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 1 });

async function healthFor(url: string, ms: number): Promise<number[]> {
  const latencies: number[] = [];
  const end = performance.now() + ms;
  while (performance.now() < end) latencies.push(await get(url, '/health'));
  return latencies;
}

function line(label: string, latencies: number[], extra = ''): string {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(1);
  return `${label.padEnd(28)} ${String(sorted.length).padStart(6)} requests  p50 ${at(0.5)} ms  p99 ${at(0.99)} ms  max ${sorted[sorted.length - 1].toFixed(1)} ms${extra}`;
}

const kinesis = await startTestKinesis();
const dir = await tempDir('wshed-bench-preview-');
try {
  const server = await startPumpServer({
    plan: mergePlans([]),
    cwd: dir.path,
    home: path.join(dir.path, 'home'),
    streams: kinesis.streams,
    destination: kinesis.streams,
    duckdb: { threads: 2, memoryLimit: '512MB' },
    shardBudgetFraction: 1,
    maxRetries: 5,
    port: 0,
    webRoot: path.join(dir.path, 'web'),
  });
  const idle = await healthFor(server.url, seconds * 1000);
  console.log(line('/health, idle', idle));
  let stop = false;
  let previews = 0;
  let bytes = 0;
  const load = Array.from({ length: previewers }, async () => {
    while (!stop) {
      const size = await post(server.url, '/pump/jobs/preview', { queryIn: BIG, previewCount: 1000 });
      bytes += size;
      previews++;
    }
  });
  const busy = await healthFor(server.url, seconds * 1000);
  stop = true;
  await Promise.all(load);
  const rss = process.memoryUsage().rss;
  console.log(line(`/health, ${previewers} big previews`, busy, `  (${previews} previews of ~${(bytes / Math.max(1, previews) / 1048576).toFixed(1)} MiB; rss ${(rss / 1048576).toFixed(0)} MiB)`));
  keepAlive.destroy();
  await server.close();
} finally {
  await kinesis.close();
  await dir.remove();
}
