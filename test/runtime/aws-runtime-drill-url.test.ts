// The aws runtime's Drill during `wshed run`: once the run's tunnel is open, its SQL engine is the
// tunnel's local end (a port picked free when ssh.localDrillPort is 0), so the run's replays read
// through it; before the tunnel, and whenever --drill-url is given, the choice is as configured.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { AwsTargetConfig } from '../../src/compiler/target-config.ts';
import type { ClusterProvisioning } from '../../src/runtime/aws/emr/step-provisioning.ts';
import { awsRuntime } from '../../src/runtime/target/aws-runtime.ts';
import { defaultConfig } from '../golden/harness.ts';

const base = defaultConfig('aws') as AwsTargetConfig;
const config: AwsTargetConfig = { ...base, ssh: { ...base.ssh, localDrillPort: 0 } };

/** A cluster whose tunnel opens when told (the real one opens it in the ssh-tunnel step). */
function cluster(): ClusterProvisioning & { open(url: string): void } {
  let url: string | null = null;
  return {
    open: (u) => (url = u),
    drillUrl: () => url,
    apply: () => Promise.reject(new Error('not used')),
    afterFailure: async () => null,
    close: async () => {},
  };
}

const urlOf = (r: ReturnType<typeof awsRuntime>) => (r.sql.engine === 'drill' ? r.sql.drill.url : null);

test("the run's tunnel, once open, is where the runtime's Drill is", () => {
  const c = cluster();
  const runtime = awsRuntime(config, { cluster: c });
  assert.is(urlOf(runtime), 'http://127.0.0.1:0', 'before the tunnel: the configured local port');
  c.open('http://127.0.0.1:40123');
  assert.is(urlOf(runtime), 'http://127.0.0.1:40123');
});

test('--drill-url wins over the tunnel', () => {
  const c = cluster();
  const runtime = awsRuntime(config, { cluster: c, sql: { drillUrl: 'http://10.0.0.5:8047' } });
  c.open('http://127.0.0.1:40123');
  assert.is(urlOf(runtime), 'http://10.0.0.5:8047');
});

test('--engine duckdb stays DuckDB when the tunnel opens', () => {
  const c = cluster();
  const runtime = awsRuntime(config, { cluster: c, sql: { engine: 'duckdb' } });
  c.open('http://127.0.0.1:40123');
  assert.is(runtime.sql.engine, 'duckdb');
});

test.run();
