// The local Kinesis service of a watershed home: run it in the foreground (the daemon does), or
// start it as a detached background process, stop it, ask its status. Its streams live in a
// LevelDB folder under the home, so they survive stop and start.

import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import fs from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { RuntimeError } from '../runtime-error.ts';
import { acquirePidLock, isProcessAlive } from '../pid-lock.ts';
import { localKinesisEndpoint, type KinesisEndpoint } from '../kinesis/client.ts';
import { createStreamService } from '../kinesis/aws-stream-service.ts';
import { listenKinesalite } from './kinesalite-server.ts';
import { localServicePaths } from './home.ts';

/** What a running service writes to `<home>/kinesis/service.json`. */
export interface ServiceRecord {
  readonly kind: 'local-kinesis-service';
  readonly pid: number;
  readonly port: number;
  readonly startedAt: string;
}

export interface ForegroundService {
  readonly port: number;
  readonly endpoint: KinesisEndpoint;
  /** Stops listening, closes the database, removes service.json and the lock. */
  close(): Promise<void>;
}

/**
 * Runs the home's service in this process until close(): takes the home's lock (one service per
 * database), listens on 127.0.0.1:port (0 = a free port) and writes service.json.
 */
export async function runLocalServiceForeground(options: { home: string; port: number }): Promise<ForegroundService> {
  const paths = localServicePaths(options.home);
  await fs.mkdir(paths.data, { recursive: true });
  const attempt = await acquirePidLock(paths.lock);
  if (!attempt.ok) throw new RuntimeError('WS703', { pid: attempt.ownerPid, home: options.home });
  let server;
  try {
    server = await listenKinesalite({ dataPath: paths.data, port: options.port });
  } catch (err) {
    await attempt.lock.release();
    throw new RuntimeError('WS702', { why: (err as Error).message, log: paths.log });
  }
  const record: ServiceRecord = {
    kind: 'local-kinesis-service',
    pid: process.pid,
    port: server.port,
    startedAt: new Date().toISOString(),
  };
  await writeFileAtomic(paths.serviceFile, JSON.stringify(record, null, 2) + '\n');
  let closed: Promise<void> | null = null;
  return {
    port: server.port,
    endpoint: localKinesisEndpoint(server.port),
    close() {
      closed ??= (async () => {
        await server.close();
        const current = await readServiceRecord(options.home);
        if (current?.pid === process.pid) await fs.rm(paths.serviceFile, { force: true });
        await attempt.lock.release();
      })();
      return closed;
    },
  };
}

export type LocalServiceState = 'running' | 'stale' | 'stopped';

export interface LocalServiceStatus {
  readonly home: string;
  /** running: answers requests; stale: service.json is left but nothing answers; stopped: none. */
  readonly state: LocalServiceState;
  readonly pid: number | null;
  readonly port: number | null;
  readonly startedAt: string | null;
  /** Stream names, when running. */
  readonly streams: readonly string[];
}

export async function localServiceStatus(home: string): Promise<LocalServiceStatus> {
  const record = await readServiceRecord(home);
  if (!record) return { home, state: 'stopped', pid: null, port: null, startedAt: null, streams: [] };
  const base = { home, pid: record.pid, port: record.port, startedAt: record.startedAt };
  if (!isProcessAlive(record.pid)) return { ...base, state: 'stale', streams: [] };
  const streams = await listStreamsAt(record.port);
  return streams ? { ...base, state: 'running', streams } : { ...base, state: 'stale', streams: [] };
}

export interface StartedService extends LocalServiceStatus {
  /** False when a service was already running (then nothing was started). */
  readonly started: boolean;
  readonly endpoint: KinesisEndpoint;
}

/** The daemon's entry point: beside this file, or in the sources when this file is bundled (dist/). */
const DAEMON = [new URL('./daemon.ts', import.meta.url), new URL('../src/runtime/local/daemon.ts', import.meta.url)]
  .map((u) => fileURLToPath(u))
  .find((p) => existsSync(p)) ?? fileURLToPath(new URL('./daemon.ts', import.meta.url));
const START_TIMEOUT_MS = 30_000;

/**
 * Starts the home's service as a detached background process (the daemon) and waits until it
 * answers ListStreams. Returns the running service unchanged when one already runs.
 */
export async function startLocalService(options: { home: string; port: number }): Promise<StartedService> {
  const status = await localServiceStatus(options.home);
  if (status.state === 'running') return { ...status, started: false, endpoint: localKinesisEndpoint(status.port!) };
  const paths = localServicePaths(options.home);
  if (status.state === 'stale') await fs.rm(paths.serviceFile, { force: true });
  await fs.mkdir(paths.folder, { recursive: true });

  const log = openSync(paths.log, 'a');
  let child;
  try {
    child = spawn(
      process.execPath,
      ['--import', import.meta.resolve('tsx'), DAEMON, '--home', options.home, '--port', String(options.port)],
      { detached: true, stdio: ['ignore', log, log, 'ipc'], cwd: options.home, env: process.env },
    );
  } finally {
    closeSync(log);
  }
  const ready = await new Promise<{ port: number } | { why: string }>((resolve) => {
    const timer = setTimeout(() => resolve({ why: `no answer within ${START_TIMEOUT_MS / 1000} s` }), START_TIMEOUT_MS);
    child.on('message', (m: DaemonMessage) => {
      clearTimeout(timer);
      resolve(m.kind === 'ready' ? { port: m.port } : { why: m.why });
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ why: `it exited (${signal ?? `code ${code}`})` });
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ why: err.message });
    });
  });
  child.removeAllListeners();
  if (child.connected) child.disconnect();
  child.unref();
  if ('why' in ready) {
    if (child.exitCode === null && child.pid) process.kill(child.pid, 'SIGKILL');
    throw new RuntimeError('WS702', { why: ready.why, log: paths.log });
  }
  const streams = await listStreamsAt(ready.port);
  if (!streams) throw new RuntimeError('WS702', { why: `port ${ready.port} does not answer`, log: paths.log });
  const record = await readServiceRecord(options.home);
  return {
    home: options.home,
    state: 'running',
    pid: child.pid ?? record?.pid ?? null,
    port: ready.port,
    startedAt: record?.startedAt ?? new Date().toISOString(),
    streams,
    started: true,
    endpoint: localKinesisEndpoint(ready.port),
  };
}

/** Starts the service unless it already runs; either way returns its endpoint. */
export async function ensureLocalService(home: string, port: number): Promise<StartedService> {
  return startLocalService({ home, port });
}

export interface StopResult {
  readonly home: string;
  /** False when no service was running. */
  readonly stopped: boolean;
  readonly pid: number | null;
}

/** Stops the home's background service (SIGTERM, then SIGKILL after 10 s) and clears its files. */
export async function stopLocalService(home: string): Promise<StopResult> {
  const paths = localServicePaths(home);
  const record = await readServiceRecord(home);
  if (!record) return { home, stopped: false, pid: null };
  let stopped = false;
  if (isProcessAlive(record.pid) && (await isOurService(record))) {
    process.kill(record.pid, 'SIGTERM');
    if (!(await waitForExit(record.pid, 10_000))) {
      process.kill(record.pid, 'SIGKILL');
      await waitForExit(record.pid, 5_000);
    }
    stopped = true;
  }
  await fs.rm(paths.serviceFile, { force: true });
  return { home, stopped, pid: record.pid };
}

/** The endpoint of the home's running service; WS701 when none runs. */
export async function localServiceEndpoint(home: string): Promise<KinesisEndpoint> {
  const status = await localServiceStatus(home);
  if (status.state !== 'running') throw new RuntimeError('WS701', { home });
  return localKinesisEndpoint(status.port!);
}

export async function readServiceRecord(home: string): Promise<ServiceRecord | null> {
  try {
    const parsed = JSON.parse(await fs.readFile(localServicePaths(home).serviceFile, 'utf8')) as Partial<ServiceRecord>;
    if (parsed.kind !== 'local-kinesis-service' || typeof parsed.pid !== 'number' || typeof parsed.port !== 'number') return null;
    return parsed as ServiceRecord;
  } catch {
    return null;
  }
}

/** Messages the daemon sends its starter over IPC. */
export type DaemonMessage = { kind: 'ready'; port: number } | { kind: 'failed'; why: string };

async function listStreamsAt(port: number): Promise<string[] | null> {
  const service = createStreamService(localKinesisEndpoint(port));
  try {
    return await service.listStreams();
  } catch {
    return null;
  } finally {
    service.close();
  }
}

/** Guards against a recycled pid: the process must answer as our service, or look like our daemon. */
async function isOurService(record: ServiceRecord): Promise<boolean> {
  if (await listStreamsAt(record.port)) return true;
  try {
    const cmdline = await fs.readFile(`/proc/${record.pid}/cmdline`, 'utf8');
    return cmdline.includes('daemon.ts');
  } catch {
    return false;
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isProcessAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !isProcessAlive(pid);
}

async function writeFileAtomic(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, text);
  await fs.rename(tmp, file);
}
