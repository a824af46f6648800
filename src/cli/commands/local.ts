// `wshed local start|stop|status`: the local Kinesis service (kinesalite), in the background,
// with its data under the watershed home so it survives stop and start.

import type { Argv } from 'yargs';
import { localServiceStatus, startLocalService, stopLocalService } from '../../runtime/local/service.ts';
import { CONF_OPTION, withHelp } from '../help.ts';
import { EXIT, UsageError } from '../io.ts';
import { homeOf, localConfig, portInUse } from '../session.ts';

type Args = { conf?: string; json: boolean };

const print = (json: boolean, data: unknown, line: string) => process.stdout.write(json ? JSON.stringify(data) + '\n' : line + '\n');

const common = <T>(y: Argv<T>) =>
  y.option('conf', { ...CONF_OPTION, describe: 'JSON file overriding conf/local.json (port, home)' }).option('json', { type: 'boolean', default: false, describe: 'print a JSON summary' });

const startCommand = {
  command: 'start',
  describe: 'start the local Kinesis service in the background (nothing happens when it runs)',
  builder: (y: Argv) =>
    withHelp(common(y).option('port', { type: 'number', describe: 'port to listen on (127.0.0.1; 0 picks a free one); default from conf/local.json' }), 'local start'),
  handler: async (argv: Args & { port?: number }) => {
    const config = localConfig(argv.conf);
    const home = homeOf(config);
    const port = argv.port ?? config.kinesisPort;
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port takes a port number (0 to 65535)');
    const s = await startLocalService({ home, port }).catch((e: unknown) => {
      throw portInUse(e, port) ?? e;
    });
    const verb = s.started ? 'started' : 'already running';
    print(argv.json, { ...s, endpoint: undefined }, `local Kinesis ${verb} on 127.0.0.1:${s.port} (pid ${s.pid}, data in ${home})`);
  },
};

const stopCommand = {
  command: 'stop',
  describe: 'stop the local Kinesis service; its data stays in the home',
  builder: (y: Argv) =>
    withHelp(common(y), 'local stop'),
  handler: async (argv: Args) => {
    const home = homeOf(localConfig(argv.conf));
    const r = await stopLocalService(home);
    print(argv.json, r, r.stopped ? `local Kinesis stopped (pid ${r.pid}); its data stays in ${home}` : 'local Kinesis was not running');
  },
};

const statusCommand = {
  command: 'status',
  describe: 'say whether the local Kinesis service runs, on which port, with which streams',
  builder: (y: Argv) =>
    withHelp(common(y), 'local status'),
  handler: async (argv: Args) => {
    const home = homeOf(localConfig(argv.conf));
    const s = await localServiceStatus(home);
    const line =
      s.state === 'running'
        ? `running on 127.0.0.1:${s.port} (pid ${s.pid}, since ${s.startedAt}); streams: ${s.streams.length ? s.streams.join(', ') : 'none'}`
        : s.state === 'stale'
          ? `not running (a stale record of pid ${s.pid} remains; 'wshed local start' replaces it)`
          : `not running (home ${home}); start it with: wshed local start`;
    print(argv.json, s, line);
    if (s.state !== 'running') process.exitCode = EXIT.failed;
  },
};

export const localCommand = {
  command: 'local',
  describe: 'start, stop or inspect the local Kinesis service',
  builder: (y: Argv) =>
    withHelp(y.command(startCommand).command(stopCommand).command(statusCommand).demandCommand(1), 'local'),
  handler: () => {},
};
