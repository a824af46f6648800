// A deterministic generator of realistic order events for the demo and benchmarks: each order
// moves through its lifecycle (so keys repeat), and a few records are not JSON at all, as in
// real streams (a legacy producer's CSV lines, a truncated write).

export interface OrderEvent {
  readonly order_id: string;
  readonly status: 'open' | 'paid' | 'shipped' | 'delivered' | 'cancelled';
  readonly customer: { readonly id: string; readonly region: string; readonly tier: string };
  readonly items: readonly { readonly sku: string; readonly qty: number; readonly price: number }[];
  readonly total: number;
  readonly currency: string;
  readonly updated_at: string;
}

/** mulberry32: small, fast, and the same sequence on every machine for a given seed. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const REGIONS = ['eu', 'eu', 'us', 'us', 'us', 'apac', 'latam'];
const TIERS = ['standard', 'standard', 'standard', 'gold', 'platinum'];
const NEXT: Record<string, OrderEvent['status'][]> = {
  open: ['paid', 'paid', 'paid', 'cancelled'],
  paid: ['shipped', 'shipped', 'shipped', 'cancelled'],
  shipped: ['delivered'],
};

export interface SampleOptions {
  readonly seed?: number;
  /** Distinct orders (keys). */
  readonly orders: number;
  /** Events to produce; orders advance through their lifecycle as events are drawn. */
  readonly events: number;
  /** Share of lines that are not JSON (default 0.002). */
  readonly garbage?: number;
  /** Order ids start here, so a second batch can continue the first one's orders or add new ones. */
  readonly firstOrder?: number;
  readonly start?: Date;
}

/** Yields NDJSON lines (and the occasional non-JSON line), deterministically for a seed. */
export function* sampleOrderLines(o: SampleOptions): Generator<string> {
  const rnd = random(o.seed ?? 42);
  const garbage = o.garbage ?? 0.002;
  const first = o.firstOrder ?? 0;
  const state = new Map<number, OrderEvent>();
  let clock = (o.start ?? new Date('2026-11-01T00:00:00Z')).getTime();
  for (let i = 0; i < o.events; i++) {
    clock += Math.floor(rnd() * 2000);
    if (rnd() < garbage) {
      yield rnd() < 0.5 ? `legacy,${first + Math.floor(rnd() * o.orders)},SHIPPED,${(rnd() * 300).toFixed(2)}` : '{"order_id": "o-trunc';
      continue;
    }
    const n = first + Math.floor(rnd() * o.orders);
    const prev = state.get(n);
    const event = prev ? advance(prev, rnd, clock) : create(n, rnd, clock);
    state.set(n, event);
    yield JSON.stringify(event);
  }
}

function create(n: number, rnd: () => number, clock: number): OrderEvent {
  const items = Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => ({
    sku: `sku-${String(Math.floor(rnd() * 500)).padStart(3, '0')}`,
    qty: 1 + Math.floor(rnd() * 3),
    price: Math.round(rnd() * 12000) / 100,
  }));
  const customer = Math.floor(rnd() * Math.max(10, n / 3 + 50));
  return {
    order_id: `o-${String(n).padStart(6, '0')}`,
    status: 'open',
    customer: { id: `c-${String(customer).padStart(5, '0')}`, region: REGIONS[customer % REGIONS.length], tier: TIERS[customer % TIERS.length] },
    items,
    total: Math.round(items.reduce((s, it) => s + it.qty * it.price, 0) * 100) / 100,
    currency: 'EUR',
    updated_at: new Date(clock).toISOString(),
  };
}

function advance(prev: OrderEvent, rnd: () => number, clock: number): OrderEvent {
  const options = NEXT[prev.status];
  const status = options ? options[Math.floor(rnd() * options.length)] : prev.status;
  return { ...prev, status, updated_at: new Date(clock).toISOString() };
}
