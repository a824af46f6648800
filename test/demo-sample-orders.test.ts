// The demo's sample data: deterministic, keys repeat, and some records are not JSON.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sampleOrderLines } from '../src/demo/sample-orders.ts';

test('the same seed gives the same lines', () => {
  const a = [...sampleOrderLines({ orders: 100, events: 500 })];
  const b = [...sampleOrderLines({ orders: 100, events: 500 })];
  assert.equal(a, b);
  assert.not.equal(a, [...sampleOrderLines({ orders: 100, events: 500, seed: 7 })]);
});

test('orders repeat with lifecycle updates, and a few lines are not JSON', () => {
  const lines = [...sampleOrderLines({ orders: 1000, events: 20000 })];
  const parsed = lines.flatMap((l) => {
    try {
      return [JSON.parse(l) as { order_id: string; status: string }];
    } catch {
      return [];
    }
  });
  const garbage = lines.length - parsed.length;
  assert.ok(garbage > 10 && garbage < 100, `${garbage} non-JSON lines`);
  const keys = new Set(parsed.map((p) => p.order_id));
  assert.ok(keys.size <= 1000 && keys.size > 900);
  assert.ok(parsed.some((p) => p.status === 'delivered') && parsed.some((p) => p.status === 'cancelled'));
});

test.run();
