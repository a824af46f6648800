// The web page's own routes against the installed CLI's `wshed serve` (real HTTP, a reservoir
// `wshed archive` filled): the catalog, record previews, declared replay previews and one-use
// download links, and bad requests answered with a clear 4xx that changes nothing.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readStream } from '../runtime/helpers/fault-proxy.ts';
import { DESTINATION, PageService } from './page-fixture.ts';

const RECORDS = 300;
let service: PageService;

test.before(async () => {
  service = await PageService.start(RECORDS);
});

test.after(async () => {
  await service?.close();
});

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any; text: string; headers: Headers }> {
  const response = await fetch(service.url + path, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    // CSV, NDJSON or an empty HEAD answer.
  }
  return { status: response.status, json, text, headers: response.headers };
}

const job = { queryIn: 'SELECT * FROM orders ORDER BY order_id', streamOut: DESTINATION, hasReplayFlag: false, hasOverwriteFlag: true };

test('GET /pump/catalog: the reservoir with its views and typed columns, the saved queries and the replays', async () => {
  const { status, json } = await call('GET', '/pump/catalog');
  assert.is(status, 200);
  assert.is(json.reservoirs.length, 1);
  const [orders] = json.reservoirs;
  assert.is(orders.name, 'orders');
  assert.equal(orders.views, [
    { name: 'orders', role: 'unified' },
    { name: 'orders_archived', role: 'archived' },
    { name: 'orders_live', role: 'live' },
  ]);
  const types = Object.fromEntries(orders.columns.map((c: { name: string; type: string; kind: string }) => [c.name, `${c.type} ${c.kind}`]));
  assert.is(types.order_id, 'BIGINT field');
  assert.is(types.customer, 'STRUCT(id VARCHAR, region VARCHAR) field');
  assert.is(types._partition_key, 'VARCHAR metadata');
  assert.is(types._arrival_time, 'TIMESTAMP metadata');
  assert.is(types.payload, 'JSON payload');
  assert.equal(json.queries.map((q: { name: string }) => q.name), ['by_region']);
  assert.equal(json.replays.map((r: { name: string; streamOut: string }) => `${r.name}→${r.streamOut}`), ['backfill→web_out', 'trickle→web_out', 'drip→web_out']);
});

test('POST /pump/records/preview: the records a query job would send, with the flags, their shards and the count', async () => {
  const { status, json } = await call('POST', '/pump/records/preview', { ...job, previewCount: 5 });
  assert.is(status, 200);
  assert.is(json.streamOut, DESTINATION);
  assert.is(json.count, RECORDS);
  assert.is(json.countIsLowerBound, false);
  assert.is(json.records.length, 5);
  assert.is(json.records[2].partitionKey, '2');
  assert.match(json.records[2].shardId, /^shardId-\d+$/);
  assert.is(JSON.parse(json.records[2].data).overwrite, true);
  assert.is(JSON.parse(json.records[2].data).replay, undefined);
});

test('GET /pump/replays/{name}/preview: a declared replay\'s first records, annotated, and at least how many follow', async () => {
  const { status, json } = await call('GET', '/pump/replays/backfill/preview');
  assert.is(status, 200);
  assert.is(json.records.length, 10);
  assert.is(json.count, 11);
  assert.is(json.countIsLowerBound, true);
  assert.is(JSON.parse(json.records[0].data).replay, true);
});

test('a download link streams the full result once; HEAD does not use it up', async () => {
  const ticket = await call('POST', '/pump/downloads', { queryIn: 'SELECT order_id, status FROM orders ORDER BY order_id', format: 'csv' });
  assert.is(ticket.status, 201);
  assert.match(ticket.json.url, /^\/pump\/downloads\/[A-Za-z0-9_-]{20,}$/);
  const head = await call('HEAD', ticket.json.url);
  assert.is(head.status, 200);
  assert.match(head.headers.get('content-disposition') ?? '', /^attachment; filename="query-.*\.csv"$/);
  const got = await call('GET', ticket.json.url);
  assert.is(got.status, 200);
  assert.match(got.headers.get('content-type') ?? '', /^text\/csv/);
  assert.is(got.headers.get('content-length'), null, 'streamed as DuckDB produces it, not sized up front');
  assert.is(got.headers.get('transfer-encoding'), 'chunked');
  const lines = got.text.trimEnd().split('\n');
  assert.is(lines.length, RECORDS + 1);
  assert.is(lines[0], 'order_id,status');
  assert.is(lines[2], '1,shipped');
  const again = await call('GET', ticket.json.url);
  assert.is(again.status, 404);
  assert.match(again.json.error, /unknown, used or expired/);
  const unknown = await call('GET', '/pump/downloads/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
  assert.is(unknown.status, 404);
});

test('bad requests get a clear 4xx naming the field, and change nothing', async () => {
  const cases: [string, string, unknown, number, RegExp][] = [
    ['POST', '/pump/records/preview', { ...job, streamOut: 'no_such_stream' }, 404, /stream 'no_such_stream' does not exist/],
    ['POST', '/pump/records/preview', { ...job, partitionKeyColumn: 'nope' }, 400, /partitionKeyColumn: column 'nope' is not in the query's result/],
    ['POST', '/pump/records/preview', { ...job, previewCount: 101 }, 400, /previewCount must be a whole number from 1 to 100/],
    ['POST', '/pump/records/preview', { ...job, extra: 1 }, 400, /unknown field 'extra'/],
    ['POST', '/pump/records/preview', { ...job, queryIn: "SELECT * FROM read_text('/etc/hostname')" }, 400, /queryIn: /],
    ['POST', '/pump/records/preview', '{"queryIn": ', 400, /not valid JSON/],
    ['GET', '/pump/replays/no_such_replay/preview', undefined, 404, /no served pipeline file declares replay 'no_such_replay'/],
    ['POST', '/pump/downloads', { queryIn: 'SELECT 1', format: 'xml' }, 400, /format must be one of csv, ndjson/],
    ['POST', '/pump/downloads', { queryIn: 'SELECT no_such_column FROM orders', format: 'csv' }, 400, /queryIn: .*no_such_column/],
    ['POST', '/pump/downloads', { queryIn: "COPY (SELECT 1) TO '/tmp/x.csv'", format: 'csv' }, 400, /queryIn: /],
  ];
  for (const [method, path, body, status, message] of cases) {
    const r = await call(method, path, body);
    assert.is(r.status, status, `${method} ${path} ${JSON.stringify(body)}: ${r.text}`);
    assert.match(r.json.error, message, `${method} ${path}`);
    assert.not.match(r.text, /\n\s+at /, 'no stack trace');
  }
  const plain = await call('POST', '/pump/downloads', JSON.stringify({ queryIn: 'SELECT 1', format: 'csv' }), { 'content-type': 'text/plain' });
  assert.is(plain.status, 415, 'a write a foreign page could send is refused');
  assert.equal((await call('GET', '/pump/jobs')).json, [], 'no job was created');
  const streams = service.streams();
  try {
    assert.is((await readStream(streams, DESTINATION)).length, 0, 'nothing was sent');
  } finally {
    streams.close();
  }
});

test.run();
