// The pump page's jobs panel in a real browser (Debian's chromium through playwright-core) against
// the installed CLI's `wshed serve`: a running job's times, ETA and sparkline, cancel and resume,
// a job interrupted by a restart, the filter by state, no overflow at 420 and 1280 px, and a token.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { readStream } from '../runtime/helpers/fault-proxy.ts';
import { DESTINATION, launchChromium, PageService } from './page-fixture.ts';

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
  await open(page, service.url);
});

test.after(async () => {
  await chromium?.close();
  await service?.close();
});

async function open(tab: Page, url: string): Promise<void> {
  await tab.goto(url);
  await tab.getByTestId('health').filter({ hasText: 'service up' }).waitFor();
  await tab.getByTestId('declared-replay').first().waitFor();
}

/** Distinct orders in the destination (replays may add marker records of their own). */
async function ordersDelivered(): Promise<number> {
  const streams = service.streams();
  try {
    const ids = (await readStream(streams, DESTINATION)).map((r) => (JSON.parse(r.data.toString('utf8')) as { order_id?: number }).order_id);
    return new Set(ids.filter((id) => id !== undefined)).size;
  } finally {
    streams.close();
  }
}

/** Starts a declared replay from the sidebar; the id of its job. */
async function startReplay(name: string): Promise<string> {
  await page.getByRole('button', { name: `Start replay ${name}` }).click();
  const status = await page.getByTestId('replay-status').filter({ hasText: 'Started job' }).textContent();
  return status!.split(' ')[2];
}

/** The job's card, in `state` when given (wait on it to wait for the state). */
const cardOf = (id: string, state?: string) => page.locator(`[data-testid=job][data-job-id="${id}"]${state ? `[data-state=${state}]` : ''}`);

test('a running job shows its start time, elapsed time, ETA and a throughput sparkline, live from events without polling', async () => {
  const polls: string[] = [];
  const onRequest = (r: { url(): string; method(): string }) => {
    if (new URL(r.url()).pathname === '/pump/jobs' && r.method() === 'GET') polls.push(r.url());
  };
  page.on('request', onRequest);
  try {
    const id = await startReplay('trickle');
    const card = cardOf(id);
    await cardOf(id, 'running').waitFor();
    await card.locator('[data-testid=job-sparkline]:not([hidden])').waitFor();
    assert.ok(Number(await card.getByTestId('job-sparkline').getAttribute('data-points')) >= 2);
    assert.match((await card.getByTestId('job-started').textContent()) ?? '', /^\d\d:\d\d:\d\d$/);
    assert.match((await card.getByTestId('job-elapsed').textContent()) ?? '', /^\d+(\.\d)? s$|^\d+ ms$/);
    await card.getByTestId('job-eta').filter({ hasText: /^\d+(\.\d)? s$|^\d+ ms$/ }).waitFor();
    assert.is(await card.getByTestId('job-stage').textContent(), 'running');
    assert.ok(await card.getByTestId('job-cancel').isVisible());
    assert.ok(await card.getByTestId('job-resume').isHidden());

    // Cancel shows the job as cancelled (the API's stage stays COMPLETED_ERROR), and Resume finishes it.
    await card.getByTestId('job-cancel').click();
    await cardOf(id, 'cancelled').waitFor();
    assert.is(await card.getAttribute('data-stage'), 'COMPLETED_ERROR');
    assert.is(await card.getByTestId('job-stage').textContent(), 'cancelled');
    assert.ok(await card.getByTestId('job-error').isHidden(), 'a cancel is not an error');
    assert.ok(await card.getByTestId('job-cancel').isHidden());
    assert.ok(await card.getByTestId('job-resume').isVisible());
    assert.ok(await card.getByTestId('job-sparkline').isHidden(), 'no throughput once stopped');

    await card.getByTestId('job-resume').click();
    await cardOf(id, 'done').waitFor({ timeout: 60_000 });
    assert.is(await card.getByTestId('job-successful').textContent(), String(RECORDS));
    assert.is(await card.getByTestId('job-eta').textContent(), 'done');
    assert.is(await card.getByTestId('job-progress').getAttribute('aria-valuenow'), '100');
    assert.ok(await card.getByTestId('job-resume').isHidden());
  } finally {
    page.off('request', onRequest);
  }
  assert.is(await page.getByTestId('jobs-mode').textContent(), '(live)');
  assert.equal(polls.slice(1), [], 'one GET /pump/jobs at most (the resync after the event stream opened)');
  assert.is(await ordersDelivered(), RECORDS, 'cancel and resume sent every record');
});

test('the filter shows the jobs of one state', async () => {
  const filter = page.getByLabel('Show jobs');
  await filter.selectOption('done');
  assert.is(await page.locator('[data-testid=job]').count(), 1);
  await filter.selectOption('cancelled');
  assert.is(await page.locator('[data-testid=job]').count(), 0);
  assert.is(await page.locator('#jobs-empty').textContent(), 'No job in this state.');
  assert.match((await filter.locator('option[value=done]').textContent()) ?? '', /\(1\)$/);
  await filter.selectOption('all');
  assert.is(await page.locator('[data-testid=job]').count(), 1);
});

test('a job running when the service stops shows as interrupted after the restart, and Resume finishes it', async () => {
  const id = await startReplay('drip');
  await cardOf(id).locator('[data-testid=job-sparkline]:not([hidden])').waitFor();
  await service.stopServe();
  await service.startServe();
  await open(page, service.url);
  const again = cardOf(id);
  await cardOf(id, 'interrupted').waitFor();
  assert.is(await again.getByTestId('job-stage').textContent(), 'interrupted');
  assert.ok(await again.getByTestId('job-error').isHidden(), 'an interruption is not shown as an error');
  assert.ok(await again.getByTestId('job-resume').isVisible());
  await again.getByTestId('job-resume').click();
  await cardOf(id, 'done').waitFor({ timeout: 60_000 });
  assert.is(await cardOf(id).getByTestId('job-successful').textContent(), String(RECORDS), 'the resumed run sent the rest');
});

/** Elements wider than their box (scrollWidth > clientWidth): the page itself, its panels and every job card. */
async function overflowing(tab: Page): Promise<string[]> {
  return tab.evaluate(() => {
    const out: string[] = [];
    const root = document.documentElement;
    if (root.scrollWidth > root.clientWidth) out.push(`page: ${root.scrollWidth} > ${root.clientWidth}`);
    for (const node of document.querySelectorAll<HTMLElement>('header.bar, aside, section, .job, .job header, .job dl, .replay-item, .pager')) {
      if (node.scrollWidth > node.clientWidth) out.push(`${node.tagName.toLowerCase()}.${node.className} ${node.dataset.jobId ?? ''}: ${node.scrollWidth} > ${node.clientWidth}`);
    }
    return out;
  });
}

test('nothing overflows horizontally at 420 px, at 1280 px and at the layout\'s breakpoints, with wide results, a preview and job cards', async () => {
  await page.getByLabel('SQL').fill('SELECT * FROM orders ORDER BY order_id');
  await page.getByRole('button', { name: 'Run query' }).click();
  await page.getByTestId('query-status').filter({ hasText: 'in total' }).waitFor();
  await page.getByRole('button', { name: 'Preview replay backfill' }).click();
  await page.getByTestId('replay-status').filter({ hasText: 'would send' }).waitFor();
  assert.ok((await page.locator('[data-testid=job]').count()) >= 2);
  for (const width of [420, 899, 900, 1199, 1200, 1280]) {
    await page.setViewportSize({ width, height: 900 });
    assert.equal(await overflowing(page), [], `at ${width} px`);
    const box = await page.locator('[data-testid=job]').first().boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= width, `a job card is inside the ${width} px window`);
  }
  assert.equal(pageErrors, []);
});

test('with a token the page loads, asks for it, sends it as a bearer token (polling: EventSource cannot), and downloads still work', async () => {
  const token = 'web-page-test-token-0123456789';
  await service.stopServe();
  await service.startServe(['--token', token]);
  const tab = await chromium.browser.newPage();
  try {
    const sent: { path: string; auth: string | undefined }[] = [];
    tab.on('request', (r) => {
      const url = new URL(r.url());
      if (url.pathname.startsWith('/pump/')) sent.push({ path: url.pathname, auth: r.headers().authorization });
    });
    const response = await tab.goto(service.url);
    assert.is(response?.status(), 200, 'the page itself holds no data: it loads without the token');
    await tab.getByTestId('health').filter({ hasText: /token/ }).waitFor();
    await tab.getByLabel('API token').fill(token);
    const saved = sent.length;
    await tab.getByRole('button', { name: 'Save' }).click();
    await tab.getByTestId('health').filter({ hasText: 'service up' }).waitFor();
    await tab.getByTestId('declared-replay').first().waitFor();
    assert.is(await tab.getByTestId('jobs-mode').textContent(), '(polling)');
    // Two polls of the job list after saving: the panel keeps itself current without events.
    for (let i = 0; i < 2; i++) await tab.waitForRequest((r) => new URL(r.url()).pathname === '/pump/jobs');
    await tab.getByLabel('SQL').fill('SELECT count(*) AS n FROM orders');
    await tab.getByRole('button', { name: 'Run query' }).click();
    await tab.getByTestId('query-status').filter({ hasText: '1 row in total' }).waitFor();
    assert.equal(await tab.locator('#results tbody td:not(.rownum)').allTextContents(), [String(RECORDS)]);
    const [download] = await Promise.all([tab.waitForEvent('download'), tab.getByTestId('download-csv').click()]);
    assert.is(fs.readFileSync((await download.path())!, 'utf8'), `n\n${RECORDS}\n`);
    const after = sent.slice(saved);
    assert.ok(after.length >= 4, `requests after saving the token: ${after.length}`);
    for (const r of after) {
      // The one-use download link stands in for the token: a browser download cannot send it.
      if (r.path.startsWith('/pump/downloads/')) assert.is(r.auth, undefined);
      else assert.is(r.auth, `Bearer ${token}`, r.path);
    }
  } finally {
    await tab.close();
  }
});

test.run();
