// The cluster's storage plugin saved on a real Apache Drill (the local one, scripts/drill.sh, in
// its own home on a free port) and read back as saved. The local Drill has no Hive plugin on its
// classpath, so the `hive` plugin is checked in emr-configure.test.ts against Drill's REST shapes.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { drillStoragePlugin } from '../../src/compiler/plan/drill-plugin.ts';
import { saveDrillPlugin } from '../../src/runtime/aws/emr/configure.ts';

let home: string;
let url: string;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

const drill = (...args: string[]) => spawnSync('scripts/drill.sh', args, { env: { ...process.env, WSHED_HOME: home }, encoding: 'utf8', timeout: 400_000 });

test.before(async () => {
  home = mkdtempSync(path.join(os.tmpdir(), 'wshed-drill-plugin-'));
  const port = await freePort();
  const r = drill('start', '--port', String(port));
  if (r.status !== 0) throw new Error(`scripts/drill.sh start failed:\n${r.stdout}${r.stderr}`);
  url = `http://127.0.0.1:${port}`;
});
test.after(() => {
  drill('stop');
  rmSync(home, { recursive: true, force: true });
});

test('the bucket plugin with a workspace per reservoir and the writable views workspace is saved and read back', async () => {
  const config = drillStoragePlugin('acme-lake', 'us-east-1', [
    { reservoir: 'orders_archive', prefix: 'reservoir/orders', format: 'json' },
    { reservoir: 'clicks_archive', prefix: 'reservoir/clicks', format: 'parquet' },
  ], 'wshed/cluster/views');
  const saved = (await saveDrillPlugin(url, 'wshed', config)) as { type: string; connection: string; workspaces: Record<string, { location: string; writable: boolean }> };
  assert.is(saved.type, 'file');
  assert.is(saved.connection, 's3a://acme-lake');
  assert.equal(
    Object.fromEntries(Object.entries(saved.workspaces).map(([n, w]) => [n, [w.location, w.writable]])),
    { wshed_views: ['/wshed/cluster/views', true], orders_archive: ['/reservoir/orders', false], clicks_archive: ['/reservoir/clicks', false] },
  );
  // Saving again (configure run twice) is an update, not an error.
  await saveDrillPlugin(url, 'wshed', config);
  const list = (await (await fetch(`${url}/storage.json`)).json()) as { name: string }[];
  assert.ok(list.some((p) => p.name === 'wshed'));
});

test.run();
