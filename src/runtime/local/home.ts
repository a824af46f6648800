// The watershed home: where local state lives (`.wshed/` in the working folder, or $WSHED_HOME),
// and the paths of the local Kinesis service inside it.

import path from 'node:path';

export const DEFAULT_HOME = '.wshed';

export interface HomeInputs {
  /** The working folder. */
  readonly cwd: string;
  /** The configured home (conf/local.json `home`), relative to cwd unless absolute. */
  readonly configured?: string;
  readonly env?: NodeJS.ProcessEnv;
}

/** $WSHED_HOME wins over the configured home, which wins over `.wshed` in the working folder. */
export function resolveHome({ cwd, configured, env = process.env }: HomeInputs): string {
  const chosen = env.WSHED_HOME || configured || DEFAULT_HOME;
  return path.resolve(cwd, chosen);
}

export interface LocalServicePaths {
  readonly folder: string;
  /** LevelDB folder holding the streams and their records. */
  readonly data: string;
  /** Written by the running service: pid, port, start time. */
  readonly serviceFile: string;
  readonly log: string;
  /** Held while a service runs on this home, so two never share one database. */
  readonly lock: string;
}

export function localServicePaths(home: string): LocalServicePaths {
  const folder = path.join(home, 'kinesis');
  return {
    folder,
    data: path.join(folder, 'data'),
    serviceFile: path.join(folder, 'service.json'),
    log: path.join(folder, 'service.log'),
    lock: path.join(folder, 'service.lock'),
  };
}
