// The pump page in a real browser (Debian's chromium through playwright-core) against the
// installed CLI's `wshed serve` over a reservoir `wshed archive` filled: the sidebar's schema,
// saved queries and replays, queries with paging and downloads, and previews of what a job would emit.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { readStream } from '../runtime/helpers/fault-proxy.ts';
import { putAllRecords } from '../../src/runtime/kinesis/put-records.ts';
import { DESTINATION, launchChromium, PageService, SOURCE } from './page-fixture.ts';

const RECORDS = 300;

let service: PageService;
let chromium: { browser: BrowserContext; close(): Promise<void> };
let page: Page;
const pageErrors: string[] = [];

test.before(async () => {
  service = await PageService.start(RECORDS);
  chromium = await launchChromium();
  page = chromium.browser.pages()[0] ?? (await chromium.browser.newPage());
  page.setDefaultTimeout(30_000);
  page.on('pageerror', (err) => pageErrors.push(err.message));
  await page.goto(service.url);
  await page.getByTestId('health').filter({ hasText: 'service up' }).waitFor();
  await page.getByTestId('reservoir').first().waitFor();
});

test.after(async () => {
  await chromium?.close();
  await service?.close();
});

const sql = () => page.getByLabel('SQL');
const headers = (table: string) => page.locator(`#${table} thead th:not(:first-child)`).allTextContents();
const cells = (table: string, row: number) => page.locator(`#${table} tbody tr`).nth(row).locator('td:not(.rownum)').allTextContents();

async function run(text: string, perPage = 100): Promise<void> {
  await sql().fill(text);
  await page.getByLabel('Rows per page').fill(String(perPage));
  await page.getByRole('button', { name: 'Run query' }).click();
  await page.locator('#query-status:not(:text("Running…"))').waitFor();
}

test('the sidebar shows the reservoir, its views and typed columns, the saved queries and the replays', async () => {
  const reservoir = page.getByTestId('reservoir');
  assert.is(await reservoir.count(), 1);
  assert.is(await reservoir.locator('summary').textContent(), 'orders');
  assert.equal(await reservoir.getByTestId('view').allTextContents(), ['orders', 'orders_archived', 'orders_live']);
  const columns = await reservoir.getByTestId('column').evaluateAll((lis) => lis.map((li) => [li.querySelector('.name')!.textContent, li.querySelector('.type')!.textContent, li.className]));
  const byName = new Map(columns.map(([name, type, cls]) => [name, { type, cls }]));
  assert.is(byName.get('order_id')?.type, 'BIGINT');
  assert.is(byName.get('total')?.type, 'DOUBLE');
  assert.is(byName.get('customer')?.type, 'STRUCT(id VARCHAR, region VARCHAR)');
  assert.is(byName.get('_stream')?.type, 'VARCHAR');
  assert.match(byName.get('_stream')!.cls!, /metadata/);
  assert.is(byName.get('payload')?.type, 'JSON');
  assert.equal(await page.getByTestId('saved-query').allTextContents(), ['by_region']);
  assert.equal(await page.getByTestId('declared-replay').evaluateAll((lis) => lis.map((li) => (li as HTMLElement).dataset.name)), ['backfill', 'trickle', 'drip']);
  assert.equal(pageErrors, []);
});

test('the SQL box starts with a query over the first reservoir', async () => {
  assert.is(await sql().inputValue(), 'SELECT * FROM orders LIMIT 100');
});

test('a saved query loads with a click and runs', async () => {
  await page.getByTestId('saved-query').filter({ hasText: 'by_region' }).click();
  assert.match(await sql().inputValue(), /^SELECT customer\.region AS region, count\(\*\) AS orders FROM orders GROUP BY 1 ORDER BY 1$/);
  await page.getByRole('button', { name: 'Run query' }).click();
  await page.getByTestId('query-status').filter({ hasText: '3 rows in total' }).waitFor();
  assert.equal(await headers('results'), ['region', 'orders']);
  assert.equal(await cells('results', 0), ['ap', '100']);
});

test('a view name loads a query over it', async () => {
  await page.getByTestId('view').filter({ hasText: 'orders_archived' }).click();
  assert.is(await sql().inputValue(), 'SELECT * FROM orders_archived LIMIT 100');
});

test('a column name types itself into the query at the cursor', async () => {
  await sql().fill('SELECT  FROM orders');
  await sql().evaluate((t: HTMLTextAreaElement) => t.setSelectionRange(7, 7));
  await page.getByTestId('column').locator('.name', { hasText: /^status$/ }).click();
  assert.is(await sql().inputValue(), 'SELECT status FROM orders');
});

test('"Run query" shows rows as a table, nested values as JSON, data as text, and the total', async () => {
  await run('SELECT order_id, customer, name FROM orders ORDER BY order_id', 50);
  await page.getByTestId('query-status').filter({ hasText: `${RECORDS} rows in total, showing 50` }).waitFor();
  assert.equal(await headers('results'), ['order_id', 'customer', 'name']);
  assert.is(await page.locator('#results tbody tr').count(), 50);
  assert.equal(await cells('results', 7), ['7', '{"id":"c-0","region":"us"}', 'order 7']);
  assert.is((await cells('results', 0))[2], '<b id="injected">bold</b>');
  assert.is(await page.locator('#injected').count(), 0);
});

test('SELECT * shows the payload fields first, then the metadata, then payload; "Columns as queried" keeps the views\' order', async () => {
  await run('SELECT * FROM orders ORDER BY order_id', 10);
  const shown = await headers('results');
  assert.equal(shown.slice(0, 5), ['order_id', 'customer', 'name', 'status', 'total']);
  assert.equal(shown.slice(5, 11), ['_stream', '_shard_id', '_sequence_number', '_sub_sequence_number', '_partition_key', '_arrival_time']);
  assert.is(shown[11], 'payload');
  await page.getByLabel('Columns as queried').check();
  assert.equal((await headers('results')).slice(0, 2), ['_stream', '_shard_id']);
  await page.getByLabel('Columns as queried').uncheck();
  assert.is((await headers('results'))[0], 'order_id');
});

test('paging: Next and Previous walk the whole result a page at a time, and stop at its end', async () => {
  await run('SELECT order_id FROM orders ORDER BY order_id', 120);
  const info = page.getByTestId('page-info');
  assert.is(await info.textContent(), 'rows 1–120 of 300');
  assert.ok(await page.getByTestId('page-prev').isDisabled());
  await page.getByTestId('page-next').click();
  await info.filter({ hasText: 'rows 121–240 of 300' }).waitFor();
  assert.equal(await cells('results', 0), ['120']);
  assert.is(await page.locator('#results tbody tr td.rownum').first().textContent(), '121');
  await page.getByTestId('page-next').click();
  await info.filter({ hasText: 'rows 241–300 of 300' }).waitFor();
  assert.is(await page.locator('#results tbody tr').count(), 60);
  assert.equal(await cells('results', 59), ['299']);
  assert.ok(await page.getByTestId('page-next').isDisabled(), 'no page after the last');
  await page.getByTestId('page-prev').click();
  await info.filter({ hasText: 'rows 121–240 of 300' }).waitFor();
  assert.equal(await cells('results', 0), ['120']);
});

test('CSV and NDJSON downloads hold the full result, streamed by the service', async () => {
  await run('SELECT order_id, name FROM orders ORDER BY order_id', 10);
  const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-csv').click()]);
  assert.match(csv.suggestedFilename(), /\.csv$/);
  const lines = fs.readFileSync((await csv.path())!, 'utf8').trimEnd().split('\n');
  assert.is(lines.length, RECORDS + 1, 'a header and every row, not only the page shown');
  assert.is(lines[0], 'order_id,name');
  assert.is(lines[1], '0,"<b id=""injected"">bold</b>"');
  assert.is(lines[RECORDS], `${RECORDS - 1},order ${RECORDS - 1}`);
  const [ndjson] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-ndjson').click()]);
  assert.match(ndjson.suggestedFilename(), /\.ndjson$/);
  const rows = fs.readFileSync((await ndjson.path())!, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { order_id: number });
  assert.is(rows.length, RECORDS);
  assert.equal(rows.map((r) => r.order_id), Array.from({ length: RECORDS }, (_, i) => i));
});

test('a query the engine refuses shows its message; editing the query clears it', async () => {
  await run('SELECT no_such_column FROM orders');
  const status = page.locator('#query-status.error');
  await status.waitFor();
  assert.match((await status.textContent()) ?? '', /no_such_column/);
  assert.is(await page.locator('#results tr').count(), 0);
  await sql().press('End');
  await sql().type(' ');
  assert.is(await page.locator('#query-status.error').count(), 0, 'the error of the old text is gone');
});

test('"Preview" shows the records exactly as the job emits them (key, shard, data with flags) and the count; a changed query clears it', async () => {
  await sql().fill('SELECT * FROM orders ORDER BY order_id');
  await page.getByLabel('Stream out').fill(DESTINATION);
  await page.getByLabel('Replay flag').check();
  await page.getByRole('button', { name: 'Preview', exact: true }).click();
  await page.getByTestId('replay-status').filter({ hasText: `The job would send ${RECORDS} records into ${DESTINATION}; the first 10 are below` }).waitFor();
  assert.equal(await headers('preview'), ['partition key', 'shard', 'data']);
  assert.is(await page.locator('#preview tbody tr').count(), 10);
  const [key, shard, data] = await cells('preview', 3);
  assert.is(key, '3', 'the record keeps its original partition key');
  assert.match(shard, /^shardId-\d+$/);
  assert.equal(JSON.parse(data), { order_id: 3, customer: { id: 'c-3', region: 'eu' }, name: 'order 3', status: 'open', total: 4.5, replay: true });
  const previewed = await Promise.all([0, 1, 2, 3, 4].map((i) => cells('preview', i)));

  // The job sends these very records, each to the shard shown.
  const streams = service.streams();
  try {
    const before = (await readStream(streams, DESTINATION)).length;
    await page.getByRole('button', { name: 'Start job' }).click();
    const id = (await page.getByTestId('replay-status').filter({ hasText: 'Started job' }).textContent())!.split(' ')[2];
    await page.locator(`[data-testid=job][data-job-id="${id}"][data-state=done]`).waitFor({ timeout: 60_000 });
    const sent = await readStream(streams, DESTINATION);
    assert.is(sent.length - before, RECORDS);
    for (const [k, s, d] of previewed) {
      const match = sent.find((r) => r.partitionKey === k && r.data.toString('utf8') === d);
      assert.ok(match, `record ${k} was sent as previewed`);
      assert.is(match!.shardId, s);
    }
  } finally {
    streams.close();
  }

  await page.getByRole('button', { name: 'Preview', exact: true }).click();
  await page.getByTestId('replay-status').filter({ hasText: 'would send' }).waitFor();
  await sql().press('End');
  await sql().type(' ');
  assert.is(await page.getByTestId('replay-status').textContent(), '');
  assert.is(await page.locator('#preview tr').count(), 0, 'no preview of another query');
});

test('"Preview" of SQL outside the sandbox shows why and previews nothing', async () => {
  await sql().fill("SELECT * FROM read_text('/etc/hostname')");
  await page.getByLabel('Stream out').fill(DESTINATION);
  await page.getByRole('button', { name: 'Preview', exact: true }).click();
  const status = page.locator('#replay-status.error');
  await status.waitFor();
  assert.match((await status.textContent()) ?? '', /WS770|read-only|not allowed|outside/i);
  assert.is(await page.locator('#preview tr').count(), 0);
});

test('a declared replay previews its annotated records by name, with the count', async () => {
  await page.getByRole('button', { name: 'Preview replay backfill' }).click();
  await page.getByTestId('replay-status').filter({ hasText: `Replay backfill would send at least 11 records into ${DESTINATION}; the first 10 are below` }).waitFor();
  assert.is(await page.locator('#preview tbody tr').count(), 10);
  const [key, shard, data] = await cells('preview', 0);
  assert.match(key, /^\d+$/);
  assert.match(shard, /^shardId-\d+$/);
  const record = JSON.parse(data) as Record<string, unknown> & { _wshed?: { replay_id?: unknown; origin?: unknown } };
  assert.is(record.replay, true, "the replay's annotation");
  assert.type(record._wshed?.replay_id, 'string', 'the replay metadata consumers read');
  assert.match(JSON.stringify(record._wshed?.origin), /shardId-/, "the record's origin in the source stream");
});

test('a declared replay starts by name and its job runs to done', async () => {
  await page.getByRole('button', { name: 'Start replay backfill' }).click();
  const status = await page.getByTestId('replay-status').filter({ hasText: 'Started job' }).textContent();
  const id = status!.split(' ')[2];
  const card = page.locator(`[data-testid=job][data-job-id="${id}"]`);
  await page.locator(`[data-testid=job][data-job-id="${id}"][data-state=done]`).waitFor({ timeout: 60_000 });
  assert.is(await card.getByTestId('job-successful').textContent(), String(RECORDS));
  assert.is(await card.getByTestId('job-query').textContent(), 'replay backfill');
  assert.equal(pageErrors, []);
});

test('a declared replay that ran says it is up to date in its preview, and previews no record', async () => {
  await page.getByRole('button', { name: 'Preview replay backfill' }).click();
  await page.getByTestId('replay-status').filter({ hasText: `Replay backfill is up to date: nothing entered its slice since its last run, so it would send nothing into ${DESTINATION}.` }).waitFor();
  assert.is(await page.locator('#preview tr').count(), 0);
});

test('Refresh reads the columns again: a payload key that arrived since shows up', async () => {
  assert.is(await page.getByTestId('column').locator('.name', { hasText: /^coupon$/ }).count(), 0);
  const streams = service.streams();
  try {
    await putAllRecords(streams, SOURCE, [{ partitionKey: 'late', data: Buffer.from(JSON.stringify({ order_id: 1000, coupon: 'SPRING' })) }]);
  } finally {
    streams.close();
  }
  await page.getByTestId('catalog-refresh').click();
  await page.getByTestId('column').locator('.name', { hasText: /^coupon$/ }).waitFor();
  assert.equal(pageErrors, []);
});

test.run();
