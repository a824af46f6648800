// The AWS emulator for tests: a real moto server (S3, IAM, Lambda, Firehose, Glue, EMR, Kinesis)
// in its own process on an ephemeral loopback port, stopped when the test is done. The product
// reaches it through the SDK's standard endpoint chain only (`AWS_ENDPOINT_URL`), as a user would.

import { spawn, type ChildProcess } from 'node:child_process';

export interface TestMoto {
  readonly port: number;
  /** `http://127.0.0.1:PORT` */
  readonly endpoint: string;
  /** What a spawned CLI (or the SDK in this process) needs to reach the emulator, and nothing real. */
  readonly env: Readonly<Record<string, string>>;
  /** Forgets every resource (moto's own reset API), for tests sharing one server. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

const READY = /Running on http:\/\/127\.0\.0\.1:(\d+)/;

/** Starts `moto_server` (installed with the machine's Python) and waits until it listens. */
export async function startTestMoto(options: { timeoutMs?: number } = {}): Promise<TestMoto> {
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const port = await new Promise<number>((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => fail(new Error(`moto_server did not start within ${options.timeoutMs ?? 60_000} ms:\n${seen}`)), options.timeoutMs ?? 60_000);
    const fail = (e: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(e);
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      const m = READY.exec(seen);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('error', (e) => fail(new Error(`moto_server could not be started (${e.message}); it comes with the machine's Python ('moto' 5.2, see shared/STACK.md)`)));
    child.once('exit', (code) => fail(new Error(`moto_server exited (code ${code}) before listening:\n${seen}`)));
  });
  // Keep draining its request log so the pipe never fills and stalls the server.
  child.stdout!.resume();
  child.stderr!.resume();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    port,
    endpoint,
    env: {
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_EC2_METADATA_DISABLED: 'true',
    },
    async reset() {
      const r = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!r.ok) throw new Error(`moto reset failed: HTTP ${r.status}`);
    },
    close: () => stop(child),
  };
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/**
 * Sets `vars` in this process's environment (as a user would export them) and returns what puts
 * the environment back. Service-specific endpoints (`AWS_ENDPOINT_URL_<SERVICE>`) that `vars` does
 * not name are removed meanwhile: the SDK prefers them, so one left by another test file would
 * point a client at a server that is gone.
 */
export function useEnvironment(vars: Readonly<Record<string, string>>): () => void {
  const touched = new Set([...Object.keys(vars), ...Object.keys(process.env).filter((k) => k.startsWith('AWS_ENDPOINT_URL_'))]);
  const saved = new Map([...touched].map((k) => [k, process.env[k]] as const));
  for (const k of touched) delete process.env[k];
  Object.assign(process.env, vars);
  return () => {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}

/** EMR's default roles as `aws emr create-default-roles` leaves them, in the emulator the environment points at. */
export async function createEmrDefaultRoles(): Promise<void> {
  const { CreateInstanceProfileCommand, CreateRoleCommand, IAMClient } = await import('@aws-sdk/client-iam');
  const iam = new IAMClient({});
  try {
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [] });
    await iam.send(new CreateRoleCommand({ RoleName: 'EMR_DefaultRole', AssumeRolePolicyDocument: trust }));
    await iam.send(new CreateRoleCommand({ RoleName: 'EMR_EC2_DefaultRole', AssumeRolePolicyDocument: trust }));
    await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'EMR_EC2_DefaultRole' }));
  } finally {
    iam.destroy();
  }
}
