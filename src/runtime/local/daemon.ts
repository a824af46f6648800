// Entry point of the background local Kinesis service: `node --import tsx daemon.ts --home H
// --port P`, spawned detached by startLocalService. Runs until SIGTERM or SIGINT.

import { isRuntimeError } from '../runtime-error.ts';
import { runLocalServiceForeground, type DaemonMessage } from './service.ts';

function argument(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function tell(message: DaemonMessage): Promise<void> {
  return new Promise((resolve) => (process.send ? process.send(message, () => resolve()) : resolve()));
}

function log(line: string): void {
  process.stdout.write(`${new Date().toISOString()} ${line}\n`);
}

const home = argument('home');
const port = Number(argument('port') ?? '0');
if (!home || !Number.isInteger(port) || port < 0) {
  await tell({ kind: 'failed', why: 'usage: daemon.ts --home <folder> --port <port>' });
  process.exit(2);
}

try {
  const service = await runLocalServiceForeground({ home, port });
  log(`local Kinesis service listening on 127.0.0.1:${service.port} (pid ${process.pid}, home ${home})`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    service.close().then(
      () => process.exit(0),
      (err: Error) => {
        log(`stop failed: ${err.message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  await tell({ kind: 'ready', port: service.port });
  if (process.connected) process.disconnect();
} catch (err) {
  log(`failed to start: ${(err as Error).message}`);
  const why = isRuntimeError(err, 'WS702') ? String(err.args.why) : (err as Error).message;
  await tell({ kind: 'failed', why });
  process.exit(1);
}
