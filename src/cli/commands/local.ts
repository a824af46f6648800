// `wshed local start|stop|status`: the local Kinesis service (kinesalite), in the background,
// with its data under the watershed home so it survives stop and start.

import type { Argv } from 'yargs';
import { localServiceStatus, startLocalService, stopLocalService } from '../../runtime/local/service.ts';
import { homeOf, localConfig } from '../session.ts';

type Args = { conf?: string; json: boolean };

const print = (json: boolean, data: unknown, line: string) => process.stdout.write(json ? JSON.stringify(data) + '\n' : line + '\n');

export const localCommand = {
  command: 'local <action>',
  describe: 'start, stop or inspect the local Kinesis service',
  builder: (y: Argv) =>
    y
      .positional('action', { choices: ['start', 'stop', 'status'] as const, demandOption: true })
      .option('port', { type: 'number', describe: 'port to listen on (127.0.0.1; 0 picks a free one); default from conf/local.json' })
      .option('conf', { type: 'string', describe: 'JSON file overriding conf/local.json' })
      .option('json', { type: 'boolean', default: false, describe: 'print a JSON summary' }),
  handler: async (argv: Args & { action: 'start' | 'stop' | 'status'; port?: number }) => {
    const config = localConfig(argv.conf);
    const home = homeOf(config);
    if (argv.action === 'start') {
      const s = await startLocalService({ home, port: argv.port ?? config.kinesisPort });
      const verb = s.started ? 'started' : 'already running';
      print(argv.json, { ...s, endpoint: undefined }, `local Kinesis ${verb} on 127.0.0.1:${s.port} (pid ${s.pid}, data in ${home})`);
    } else if (argv.action === 'stop') {
      const r = await stopLocalService(home);
      print(argv.json, r, r.stopped ? `local Kinesis stopped (pid ${r.pid}); its data stays in ${home}` : 'local Kinesis was not running');
    } else {
      const s = await localServiceStatus(home);
      const line =
        s.state === 'running'
          ? `running on 127.0.0.1:${s.port} (pid ${s.pid}, since ${s.startedAt}); streams: ${s.streams.length ? s.streams.join(', ') : 'none'}`
          : s.state === 'stale'
            ? `not running (a stale record of pid ${s.pid} remains; 'wshed local start' replaces it)`
            : `not running (home ${home})`;
      print(argv.json, s, line);
    }
  },
};
