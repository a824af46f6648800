// Takes the README's picture of the job service's page (docs/pump-page.png, or the path given):
// the installed CLI's `wshed serve` over a scratch reservoir, as the browser test sets it up, in
// Debian's chromium at 1280×960 (SCREENSHOT_SIZE=WxH for another size), with a query's rows, a replay's preview and jobs in the panel.
// `npm run screenshot` builds the bundle and runs it.

import path from 'node:path';
import { launchChromium, PageService, ROOT } from '../test/service/page-fixture.ts';

const out = path.resolve(process.argv[2] ?? path.join(ROOT, 'docs/pump-page.png'));
const service = await PageService.start(300);
const [width, height] = (process.env.SCREENSHOT_SIZE ?? '1280x960').split('x').map(Number);
const chromium = await launchChromium({ width, height });
try {
  const page = chromium.browser.pages()[0] ?? (await chromium.browser.newPage());
  page.setDefaultTimeout(60_000);
  await page.goto(service.url);
  await page.getByTestId('health').filter({ hasText: 'service up' }).waitFor();
  await page.getByTestId('declared-replay').first().waitFor();

  await page.getByLabel('SQL').fill('SELECT * FROM orders ORDER BY order_id');
  await page.getByLabel('Rows per page').fill('8');
  await page.getByRole('button', { name: 'Run query' }).click();
  await page.getByTestId('query-status').filter({ hasText: 'in total' }).waitFor();

  // A finished job and a running one, so the panel shows both kinds of card.
  await page.getByRole('button', { name: 'Start replay backfill' }).click();
  await page.locator('[data-testid=job][data-state=done]').waitFor();
  await page.getByRole('button', { name: 'Start replay trickle' }).click();
  await page.getByTestId('replay-status').filter({ hasText: 'Started job' }).waitFor();
  await page.getByRole('button', { name: 'Preview replay drip' }).click();
  await page.getByTestId('replay-status').filter({ hasText: 'would send' }).waitFor();
  await page.waitForFunction(() => Number(document.querySelector('[data-state=running] [data-testid=job-sparkline]')?.getAttribute('data-points') ?? 0) >= 3);
  await page.screenshot({ path: out });
  process.stdout.write(`wrote ${path.relative(process.cwd(), out)}\n`);
} finally {
  await chromium.close();
  await service.close();
}
