// The language reference example and the one-line replay parse to the AST a reader expects.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { noSpans, parseText, replayOf, slice } from './helpers.ts';

const EXAMPLE = `# comments run from '#' to the end of the line
stream orders {
  shards 2
  retention 24h
  key order_id                     # JSON path of the record key (default: the Kinesis partition key)
}
stream orders_rebuilt { shards 1 }

reservoir orders_archive {
  from stream orders
  at "./.wshed/reservoir/orders"   # a local path, or s3://bucket/prefix
  format json                      # json | parquet
  partition hourly                 # hourly | daily
  archive via archiver every 1h    # archiver (built in) | firehose [buffer 64MB 300s]
}

query big_customers """
  SELECT customer, count(*) AS n FROM orders_archive WHERE total > 100 GROUP BY customer
"""

replay rebuild from archive+live orders_archive
  where status = 'shipped' and total > 100 and customer.region in ('eu', 'us')
  since 2026-11-01T00:00:00Z until 2026-11-02
  compact by key order_id
  annotate <overwrite: true, reason: "rebuild">
  into stream orders_rebuilt
  rate 500/s
  limit 100000
`;

const field = (...names: string[]) => ({ kind: 'field', segments: names.map((name) => ({ name, quoted: false })) });

test('the example parses without diagnostics into five statements in order', () => {
  const p = parseText(EXAMPLE);
  assert.equal(p.diagnostics, []);
  assert.equal(
    p.pipeline.statements.map((s) => `${s.kind} ${s.name?.text}`),
    ['stream orders', 'stream orders_rebuilt', 'reservoir orders_archive', 'query big_customers', 'replay rebuild'],
  );
  assert.equal(p.pipeline.span, { start: 0, end: EXAMPLE.length });
});

test('stream properties keep their values as written', () => {
  const [orders, rebuilt] = parseText(EXAMPLE).pipeline.statements;
  assert.equal(noSpans(orders), {
    kind: 'stream',
    name: { text: 'orders' },
    properties: [
      { kind: 'shards', count: { kind: 'number', value: 2, text: '2' } },
      { kind: 'retention', duration: { kind: 'quantity', text: '24h' } },
      { kind: 'key', key: field('order_id') },
    ],
  });
  assert.equal(noSpans(rebuilt), {
    kind: 'stream',
    name: { text: 'orders_rebuilt' },
    properties: [{ kind: 'shards', count: { kind: 'number', value: 1, text: '1' } }],
  });
});

test('statement spans run from the keyword to the last token', () => {
  const p = parseText(EXAMPLE);
  const [orders, rebuilt, reservoir, query, replay] = p.pipeline.statements;
  assert.ok(slice(p.text, orders.span).startsWith('stream orders {'));
  assert.ok(slice(p.text, orders.span).endsWith('partition key)\n}'));
  assert.is(slice(p.text, rebuilt.span), 'stream orders_rebuilt { shards 1 }');
  assert.ok(slice(p.text, reservoir.span).startsWith('reservoir orders_archive {'));
  assert.ok(slice(p.text, query.span).endsWith('GROUP BY customer\n"""'));
  assert.ok(slice(p.text, replay.span).startsWith('replay rebuild from'));
  assert.ok(slice(p.text, replay.span).endsWith('limit 100000'));
});

test('reservoir properties, including archive via … every …', () => {
  const p = parseText(EXAMPLE);
  const reservoir = p.pipeline.statements[2];
  assert.equal(noSpans(reservoir), {
    kind: 'reservoir',
    name: { text: 'orders_archive' },
    properties: [
      { kind: 'from', stream: { text: 'orders' } },
      { kind: 'at', location: { kind: 'string', value: './.wshed/reservoir/orders', quote: 'double' } },
      { kind: 'format', format: { text: 'json' } },
      { kind: 'partition', partition: { text: 'hourly' } },
      { kind: 'archive', via: { text: 'archiver' }, every: { kind: 'quantity', text: '1h' } },
    ],
  });
  assert.equal(
    reservoir.kind === 'reservoir' && reservoir.properties.map((x) => slice(p.text, x.span)),
    ['from stream orders', 'at "./.wshed/reservoir/orders"', 'format json', 'partition hourly', 'archive via archiver every 1h'],
  );
});

test('the query keeps its triple-quoted SQL verbatim', () => {
  const query = parseText(EXAMPLE).pipeline.statements[3];
  assert.equal(noSpans(query), {
    kind: 'query',
    name: { text: 'big_customers' },
    sql: {
      kind: 'string',
      value: '\n  SELECT customer, count(*) AS n FROM orders_archive WHERE total > 100 GROUP BY customer\n',
      quote: 'triple',
    },
  });
});

test('the replay: source, reservoir, and every clause in source order', () => {
  const p = parseText(EXAMPLE);
  const replay = p.pipeline.statements[4];
  assert.is(replay.kind, 'replay');
  if (replay.kind !== 'replay') return;
  assert.equal(replay.name?.text, 'rebuild');
  assert.equal(noSpans(replay.source), { kind: 'archive+live' });
  assert.is(slice(p.text, replay.source.span), 'archive+live');
  assert.is(replay.reservoir?.text, 'orders_archive');
  assert.equal(
    replay.clauses.map((c) => slice(p.text, c.span)),
    [
      "where status = 'shipped' and total > 100 and customer.region in ('eu', 'us')",
      'since 2026-11-01T00:00:00Z',
      'until 2026-11-02',
      'compact by key order_id',
      'annotate <overwrite: true, reason: "rebuild">',
      'into stream orders_rebuilt',
      'rate 500/s',
      'limit 100000',
    ],
  );
  assert.equal(noSpans(replay.clauses), [
    {
      kind: 'where',
      expr: {
        kind: 'and',
        operands: [
          { kind: 'compare', op: '=', left: field('status'), right: { kind: 'string', value: 'shipped', quote: 'single' } },
          { kind: 'compare', op: '>', left: field('total'), right: { kind: 'number', value: 100, text: '100' } },
          {
            kind: 'in',
            operand: field('customer', 'region'),
            list: [
              { kind: 'string', value: 'eu', quote: 'single' },
              { kind: 'string', value: 'us', quote: 'single' },
            ],
            negated: false,
          },
        ],
      },
    },
    { kind: 'since', time: { kind: 'instant', text: '2026-11-01T00:00:00Z', quoted: false } },
    { kind: 'until', time: { kind: 'instant', text: '2026-11-02', quoted: false } },
    { kind: 'compact', key: field('order_id') },
    {
      kind: 'annotate',
      entries: [
        { key: { text: 'overwrite' }, value: { kind: 'boolean', value: true } },
        { key: { text: 'reason' }, value: { kind: 'string', value: 'rebuild', quote: 'double' } },
      ],
    },
    { kind: 'into', stream: { text: 'orders_rebuilt' } },
    { kind: 'rate', rate: { kind: 'quantity', text: '500/s' } },
    { kind: 'limit', count: { kind: 'number', value: 100000, text: '100000' } },
  ]);
});

test('comments are collected with the text after #', () => {
  const p = parseText(EXAMPLE);
  assert.is(p.pipeline.comments.length, 6);
  assert.is(p.pipeline.comments[0].text, " comments run from '#' to the end of the line");
  assert.is(slice(p.text, p.pipeline.comments[0].span), "# comments run from '#' to the end of the line");
  assert.is(p.pipeline.comments[3].text, ' json | parquet');
});

test('Windows line endings, tabs and a byte-order mark change nothing but offsets', () => {
  const text = '\uFEFF' + EXAMPLE.replaceAll('\n', '\r\n').replaceAll('  ', '\t');
  const p = parseText(text);
  assert.equal(p.diagnostics, []);
  assert.equal(p.pipeline.statements.map((s) => s.kind), ['stream', 'stream', 'reservoir', 'query', 'replay']);
  assert.is(p.pipeline.comments[0].text, " comments run from '#' to the end of the line", 'no \r in comment text');
});

test('the one-line replay: no name, no reservoir, compact without a key, no into is fine too', () => {
  const text = "replay from archive+live where status = 'open' since 7d ago compact by key annotate <overwrite:true> into stream orders_rebuilt";
  const replay = replayOf(text);
  assert.is(replay.name, undefined);
  assert.is(replay.reservoir, undefined);
  assert.is(replay.source.kind, 'archive+live');
  assert.equal(noSpans(replay.clauses), [
    { kind: 'where', expr: { kind: 'compare', op: '=', left: field('status'), right: { kind: 'string', value: 'open', quote: 'single' } } },
    { kind: 'since', time: { kind: 'ago', duration: { kind: 'quantity', text: '7d' } } },
    { kind: 'compact' },
    { kind: 'annotate', entries: [{ key: { text: 'overwrite' }, value: { kind: 'boolean', value: true } }] },
    { kind: 'into', stream: { text: 'orders_rebuilt' } },
  ]);
  assert.is(slice(text, replay.clauses[1].span), 'since 7d ago');
  assert.is(slice(text, replay.clauses[2].span), 'compact by key');
  assert.is(slice(text, replay.span), text);

  const noInto = replayOf('replay from live');
  assert.equal(noSpans(noInto), { kind: 'replay', source: { kind: 'live' }, clauses: [] });
});

test.run();
