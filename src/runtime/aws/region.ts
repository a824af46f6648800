// The AWS region as the SDK's standard chain finds it, read without a network call: AWS_REGION,
// then the `region` of the profile (AWS_PROFILE, else `default`) in the shared config file
// (AWS_CONFIG_FILE, else ~/.aws/config), then in the shared credentials file. The same order as
// the SDK's own region provider, so the plan names the region every client then talks to.

import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export type Env = Readonly<Record<string, string | undefined>>;

export function regionFromChain(env: Env = process.env, readFile: (file: string) => string | null = readIfPresent): string | null {
  const fromEnv = env.AWS_REGION?.trim();
  if (fromEnv) return fromEnv;
  const profile = env.AWS_PROFILE?.trim() || 'default';
  const home = env.HOME || os.homedir();
  const config = readFile(env.AWS_CONFIG_FILE || path.join(home, '.aws', 'config'));
  const fromConfig = config === null ? null : profileRegion(config, profile === 'default' ? ['default', 'profile default'] : [`profile ${profile}`]);
  if (fromConfig) return fromConfig;
  const credentials = readFile(env.AWS_SHARED_CREDENTIALS_FILE || path.join(home, '.aws', 'credentials'));
  return credentials === null ? null : profileRegion(credentials, [profile]);
}

/** The `region` key of the first of `sections` that has one, in an INI file (`[section]`, `key = value`, `#`/`;` comments). */
export function profileRegion(ini: string, sections: readonly string[]): string | null {
  const found = new Map<string, string>();
  let section: string | null = null;
  for (const raw of ini.split(/\r?\n/)) {
    const line = raw.replace(/^\s+/, '');
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[\s*([^\]]+?)\s*\]/.exec(line);
    if (header) {
      section = header[1].replace(/\s+/g, ' ');
      continue;
    }
    const kv = /^([A-Za-z0-9_.-]+)\s*=\s*(.*?)\s*(?:[#;].*)?$/.exec(line);
    // Indented lines continue a nested setting (`s3 =` then `  region = …`): not the profile's region.
    if (kv && section !== null && raw === line && kv[1].toLowerCase() === 'region' && kv[2] !== '' && !found.has(section)) found.set(section, kv[2]);
  }
  for (const s of sections) if (found.has(s)) return found.get(s)!;
  return null;
}

function readIfPresent(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}
