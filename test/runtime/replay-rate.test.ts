// `rate N/s` holds over every window of a replay, the first second included: the limiter runs on
// a fake clock (sleeping moves it), batches are cut by the limiter's own caps, and every send is
// checked against the clause. No wall-clock timing.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ReplayRateLimiter, type LimiterClock } from '../../src/runtime/replay/rate-limiter.ts';

class FakeClock implements LimiterClock {
  ms = 1_000;
  now(): number {
    return this.ms;
  }
  async sleep(ms: number): Promise<void> {
    this.ms += ms;
  }
}

/** Sends `total` records in batches as large as the caps allow; returns when each batch went (ms after the start) and its size. */
async function replay(rate: number, total: number, shards = 4): Promise<{ at: number; n: number }[]> {
  const clock = new FakeClock();
  const ids = Array.from({ length: shards }, (_, i) => `shardId-${i}`);
  const limiter = new ReplayRateLimiter({ shardIds: ids, shardBudgetFraction: 0.8, ratePerSecond: rate, clock });
  const start = clock.now();
  const sends: { at: number; n: number }[] = [];
  for (let sent = 0; sent < total; ) {
    const n = Math.min(limiter.caps.userRecords, total - sent);
    // Spread over the shards, one aggregate each: the shards' budgets are not what limits here.
    await limiter.acquire({ userRecords: n, shards: new Map(ids.map((id) => [id, { records: 1, bytes: 100 * n }])) });
    sends.push({ at: clock.now() - start, n });
    sent += n;
  }
  return sends;
}

/** The most records sent inside any window of `ms` (windows starting at a send, and at the start). */
function busiest(sends: readonly { at: number; n: number }[], ms: number): number {
  let most = 0;
  for (const from of [0, ...sends.map((s) => s.at)]) {
    const inside = sends.filter((s) => s.at >= from && s.at < from + ms).reduce((sum, s) => sum + s.n, 0);
    most = Math.max(most, inside);
  }
  return most;
}

test('800/s over 700 records: the whole replay takes at least 700/800 s, the first batch waits its turn', async () => {
  const sends = await replay(800, 700);
  const last = sends.at(-1)!.at;
  assert.ok(last >= (700 / 800) * 1000 - 1e-6, `700 records sent by ${last} ms: ${Math.round((700 * 1000) / last)}/s`);
  for (const [i, s] of sends.entries()) {
    const sent = sends.slice(0, i + 1).reduce((sum, x) => sum + x.n, 0);
    assert.ok(sent <= (800 * s.at) / 1000 + 1e-6, `${sent} records by ${s.at} ms is over 800/s`);
  }
});

test('any window holds at most its share of N/s plus one batch of a tenth of a second; from the start, never more than its share', async () => {
  for (const rate of [1, 2.5, 50, 800, 4000]) {
    const sends = await replay(rate, Math.ceil(rate * 3) + 7);
    const batch = Math.max(...sends.map((s) => s.n));
    assert.ok(batch <= Math.max(1, Math.ceil(rate / 10)), `${rate}/s: batches of ${batch}`);
    for (const [i, s] of sends.entries()) {
      const sent = sends.slice(0, i + 1).reduce((sum, x) => sum + x.n, 0);
      assert.ok(sent <= (rate * s.at) / 1000 + 1e-6, `${rate}/s: ${sent} records by ${s.at} ms`);
    }
    for (const ms of [100, 250, 500, 1000, 2000]) {
      assert.ok(busiest(sends, ms) <= (rate * ms) / 1000 + batch, `${rate}/s: ${busiest(sends, ms)} records in ${ms} ms`);
    }
  }
});

test.run();
