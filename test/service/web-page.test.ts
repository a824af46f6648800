// The pump page in a real browser against the real service: Debian's chromium driven by
// playwright-core, `wshed serve`'s server on an ephemeral port over a reservoir the archiver filled
// from a local Kinesis. What a user does on the page: run a query, preview, start a job, watch it.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { buildWeb } from '../../scripts/build-web.mjs';
import { compile } from '../../src/compiler/compile.ts';
import { archiveReservoir } from '../../src/runtime/archive/archiver.ts';
import { putAllRecords } from '../../src/runtime/kinesis/put-records.ts';
import { createStreamService } from '../../src/runtime/kinesis/aws-stream-service.ts';
import type { StreamService } from '../../src/runtime/kinesis/stream-service.ts';
import { startPumpServer, type PumpServer, type PumpServerOptions } from '../../src/service/server.ts';
import { readStream } from '../runtime/helpers/fault-proxy.ts';
import { archiveStep, startTestKinesis, tempDir, type TempDir, type TestKinesis } from '../runtime/helpers/local-kinesis.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SCREENSHOT = path.join(ROOT, 'docs/pump-page.png');
const CHROMIUM = '/usr/bin/chromium';
const RECORDS = 300;

const source = `web_${process.pid}`;
const destination = `web_out_${process.pid}`;

let kinesis: TestKinesis;
let dir: TempDir;
let server: PumpServer;
let serverOptions: PumpServerOptions;
let destinationService: StreamService;
let browser: BrowserContext;
let page: Page;
let profile: string;

const order = (n: number) => ({
  order_id: n,
  customer: { id: `c-${n % 7}`, region: ['eu', 'us', 'ap'][n % 3] },
  // One name that would be markup if the page ever put data in through innerHTML.
  name: n === 0 ? '<b id="injected">bold</b>' : `order ${n}`,
  total: n * 1.5,
});

test.before(async () => {
  kinesis = await startTestKinesis();
  dir = await tempDir('wshed-web-');
  const reservoir = path.join(dir.path, 'orders');
  await kinesis.streams.ensureStream(source, 2, 24);
  await kinesis.streams.ensureStream(destination, 2, 24);
  await putAllRecords(
    kinesis.streams,
    source,
    Array.from({ length: RECORDS }, (_, n) => ({ partitionKey: `k${n}`, data: Buffer.from(JSON.stringify(order(n))) })),
  );
  const archived = await archiveReservoir(archiveStep('orders', source, reservoir), { streams: kinesis.streams });
  assert.is(archived.records, RECORDS);

  const text = [
    `stream ${source} { shards 2 }`,
    `stream ${destination} { shards 2 }`,
    `reservoir orders {\n  from stream ${source}\n  at "${reservoir}"\n  format json\n  partition hourly\n}`,
    // Declared so the page can name a reservoir for its first query (GET /pump/replays).
    `replay backfill from archive orders\n  into stream ${destination}`,
    '',
  ].join('\n');
  const config = { target: 'local' as const, kinesisPort: kinesis.port, home: path.join(dir.path, 'home'), duckdb: { threads: 2, memoryLimit: '512MB' }, replay: { shardBudgetFraction: 0.8, maxRetries: 5 } };
  const { plan, diagnostics } = compile({ path: path.join(dir.path, 'orders.wshed'), text }, { config, now: new Date() });
  if (!plan) throw new Error(JSON.stringify(diagnostics));

  // The page is built aside, so a concurrent `npm run build` cannot change it under the test.
  const webRoot = await buildWeb({ outDir: path.join(dir.path, 'web') });
  destinationService = createStreamService(kinesis.endpoint, { maxAttempts: 1 });
  serverOptions = {
    plan,
    cwd: dir.path,
    home: path.join(dir.path, 'home'),
    streams: kinesis.streams,
    destination: destinationService,
    duckdb: { threads: 2, memoryLimit: '512MB' },
    shardBudgetFraction: 0.8,
    maxRetries: 5,
    port: 0,
    webRoot,
  };
  server = await startPumpServer(serverOptions);

  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/ensure-chromium.sh (as root) to install Debian's chromium`);
  profile = fs.mkdtempSync(path.join(os.tmpdir(), 'wshed-chromium-'));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'],
  });
  page = browser.pages()[0] ?? (await browser.newPage());
  page.setDefaultTimeout(30_000);
  const pageErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  await page.goto(server.url);
  await page.getByTestId('health').filter({ hasText: 'service up' }).waitFor();
  assert.equal(pageErrors, []);
});

test.after(async () => {
  await browser?.close();
  await server?.close();
  destinationService?.close();
  await kinesis?.close();
  await dir?.remove();
  if (profile) fs.rmSync(profile, { recursive: true, force: true });
});

test('the SQL box starts with a query over the first reservoir', async () => {
  assert.is(await page.getByLabel('SQL').inputValue(), 'SELECT * FROM orders LIMIT 100');
});

async function headers(table: string): Promise<string[]> {
  return page.locator(`#${table} thead th`).allTextContents();
}

test('"Run query" shows the rows as a table, nested values as JSON, and the total count', async () => {
  await page.getByLabel('SQL').fill('SELECT order_id, customer, name FROM orders ORDER BY order_id');
  await page.getByLabel('Rows to show').fill('50');
  await page.getByRole('button', { name: 'Run query' }).click();
  await page.getByTestId('query-status').filter({ hasText: `${RECORDS} rows in total, showing 50` }).waitFor();
  assert.equal(await headers('results'), ['order_id', 'customer', 'name']);
  const rows = page.locator('#results tbody tr');
  assert.is(await rows.count(), 50);
  assert.equal(await rows.nth(7).locator('td').allTextContents(), ['7', '{"id":"c-0","region":"us"}', 'order 7']);
  // Data is text, never markup.
  assert.is(await rows.nth(0).locator('td').nth(2).textContent(), '<b id="injected">bold</b>');
  assert.is(await page.locator('#injected').count(), 0);
});

test('a query the engine refuses shows its message instead of a table', async () => {
  await page.getByLabel('SQL').fill('SELECT no_such_column FROM orders');
  await page.getByRole('button', { name: 'Run query' }).click();
  const status = page.locator('#query-status.error');
  await status.waitFor();
  assert.match((await status.textContent()) ?? '', /no_such_column/);
  assert.is(await page.locator('#results tr').count(), 0);
});

test('"Preview" shows the first 10 records the job would send', async () => {
  await page.getByLabel('SQL').fill('SELECT order_id, total FROM orders ORDER BY order_id');
  await page.getByLabel('Stream out').fill(destination);
  await page.getByRole('button', { name: 'Preview' }).click();
  await page.getByTestId('replay-status').filter({ hasText: `would send ${RECORDS} records` }).waitFor();
  assert.equal(await headers('preview'), ['order_id', 'total']);
  assert.is(await page.locator('#preview tbody tr').count(), 10);
  assert.equal(await page.locator('#preview tbody tr').nth(3).locator('td').allTextContents(), ['3', '4.5']);
  assert.is((await readStream(kinesis.streams, destination)).length, 0, 'a preview sends nothing');
});

test('"Start job" replays the query into the stream and the jobs panel follows it to COMPLETED_SUCCESS', async () => {
  await page.getByLabel('SQL').fill('SELECT * FROM orders');
  await page.getByLabel('Stream out').fill(destination);
  await page.getByRole('button', { name: 'Start job' }).click();
  await page.getByTestId('replay-status').filter({ hasText: 'Started job' }).waitFor();
  const job = page.locator('[data-testid=job]').first();
  await page.locator('[data-testid=job][data-stage=COMPLETED_SUCCESS]').waitFor({ timeout: 60_000 });
  assert.is(await job.getAttribute('data-stage'), 'COMPLETED_SUCCESS');
  assert.is(await job.getByTestId('job-stage').textContent(), 'done');
  assert.is(await job.getByTestId('job-successful').textContent(), String(RECORDS));
  assert.is(await job.getByTestId('job-pending').textContent(), '0');
  assert.is(await job.getByTestId('job-failed').textContent(), '0');
  assert.is(await job.getByTestId('job-stream').textContent(), destination);
  assert.is(await job.getByTestId('job-progress').getAttribute('aria-valuenow'), '100');
  assert.match((await job.getByTestId('job-rate').textContent()) ?? '', /\/s$/);
  assert.ok(await job.getByTestId('job-error').isHidden());
  assert.ok(await job.getByTestId('job-cancel').isHidden(), 'a finished job cannot be cancelled');
  assert.is((await readStream(kinesis.streams, destination)).length, RECORDS);
});

test('the jobs panel follows the service\'s event stream, without polling', async () => {
  const polls: string[] = [];
  const onRequest = (r: { url(): string }) => {
    if (new URL(r.url()).pathname === '/pump/jobs') polls.push(r.url());
  };
  page.on('request', onRequest);
  await page.waitForTimeout(2500);
  page.off('request', onRequest);
  assert.is(await page.getByTestId('jobs-mode').textContent(), '(live)');
  assert.equal(polls, [], 'no GET /pump/jobs while events flow');
});

test('with a token the page loads, asks for it, and sends it as a bearer token (polling: EventSource cannot)', async () => {
  const token = 'web-page-test-token';
  const guarded = await startPumpServer({ ...serverOptions, home: path.join(dir.path, 'home-token'), token });
  const tab = await browser.newPage();
  try {
    const sent: (string | undefined)[] = [];
    tab.on('request', (r) => {
      if (new URL(r.url()).pathname.startsWith('/pump/')) sent.push(r.headers().authorization);
    });
    const response = await tab.goto(guarded.url);
    assert.is(response?.status(), 200, 'the page itself holds no data: it loads without the token');
    await tab.getByTestId('health').filter({ hasText: /token/ }).waitFor();
    await tab.getByLabel('API token').fill(token);
    await tab.getByRole('button', { name: 'Save' }).click();
    await tab.getByTestId('health').filter({ hasText: 'service up' }).waitFor();
    assert.is(await tab.getByTestId('jobs-mode').textContent(), '(polling)');
    await tab.getByLabel('SQL').fill('SELECT count(*) AS n FROM orders');
    await tab.getByRole('button', { name: 'Run query' }).click();
    await tab.getByTestId('query-status').filter({ hasText: '1 rows in total' }).waitFor();
    assert.equal(await tab.locator('#results tbody td').allTextContents(), [String(RECORDS)]);
    await tab.waitForTimeout(1500);
    const afterSave = sent.slice(sent.lastIndexOf(undefined) + 1);
    assert.ok(afterSave.length >= 2, `requests after saving the token: ${afterSave.length}`);
    assert.ok(afterSave.every((h) => h === `Bearer ${token}`));
  } finally {
    await tab.close();
    await guarded.close();
  }
});

test('the page as documented (docs/pump-page.png: written when missing or with UPDATE_SCREENSHOT=1)', async () => {
  if (process.env.UPDATE_SCREENSHOT !== '1' && fs.existsSync(SCREENSHOT)) return;
  await page.getByLabel('SQL').fill('SELECT order_id, customer, total FROM orders ORDER BY order_id LIMIT 100');
  await page.getByLabel('Rows to show').fill('100');
  await page.getByRole('button', { name: 'Run query' }).click();
  await page.getByTestId('query-status').filter({ hasText: 'in total' }).waitFor();
  await page.screenshot({ path: SCREENSHOT });
});

test.run();
