// What every command shares: reading pipeline files and target configuration, printing
// diagnostics, and the exit codes (0 ok, 1 failed or not formatted, 2 invalid input).

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mergeConfig, validateTargetConfig } from '../compiler/config/validate.ts';
import { decideRegion } from '../compiler/config/region.ts';
import { AWS_REGION_FORMAT } from '../compiler/config/target-rules.ts';
import { regionFromChain } from '../runtime/aws/region.ts';
import { hasErrors, type Diagnostic } from '../compiler/diagnostics.ts';
import { renderDiagnostics, tally } from '../compiler/render-diagnostics.ts';
import type { SourceFile } from '../compiler/source.ts';
import type { TargetConfig, TargetName } from '../compiler/target-config.ts';

export const EXIT = { ok: 0, failed: 1, invalid: 2 } as const;

/** The package root, where the default conf/ lives (found upwards: this file may be bundled). */
export const PACKAGE_ROOT = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'conf'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`watershed's package root is not above ${from}`);
  }
}

/** A user mistake that ends the command with one line and exit code 2, never a stack trace. */
export class UsageError extends Error {}

export function readSource(file: string): SourceFile {
  try {
    // The folder: relative `at` paths in the file mean the file's folder (src/compiler/plan/build.ts).
    return { path: file, text: readFileSync(file, 'utf8'), folder: path.dirname(path.resolve(file)) };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot read (${code ?? String(e)})`);
  }
}

function readJson(file: string): unknown {
  const text = readSource(file).text;
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${file}: not valid JSON (${(e as Error).message})`);
  }
}

/** Defaults from the package's conf/<target>.json, overridden by --conf FILE when given. */
export function loadTargetConfig(target: TargetName, confFile?: string): TargetConfig {
  const defaultsFile = path.join(PACKAGE_ROOT, 'conf', `${target}.json`);
  const defaults = readJson(defaultsFile);
  const override = confFile ? readJson(confFile) : undefined;
  // On aws the region follows the SDK's chain unless the --conf file names one (config/region.ts).
  const chain = regionFromChain();
  const { json, source } = decideRegion(defaults, mergeConfig(defaults, override), override, chain);
  if (source === 'chain' && !AWS_REGION_FORMAT.test(chain ?? '')) throw new UsageError(`the AWS region '${chain}' (from AWS_REGION or the profile) is not a region such as "us-east-1"`);
  const { config, diagnostics } = validateTargetConfig(confFile ?? defaultsFile, json);
  if (!config || hasErrors(diagnostics)) {
    throw new UsageError(diagnostics.map((d) => [`error[${d.code}]: ${d.message}`, ...d.hints.map((h) => `  = hint: ${h}`)].join('\n')).join('\n'));
  }
  return config;
}

/** Prints diagnostics to stderr; returns true when any is an error. */
export function report(source: SourceFile, diagnostics: readonly Diagnostic[]): boolean {
  if (diagnostics.length > 0) {
    process.stderr.write(renderDiagnostics(source, diagnostics) + '\n');
    if (hasErrors(diagnostics)) process.stderr.write(`\n${source.path}: ${tally(diagnostics)}\n`);
  }
  return hasErrors(diagnostics);
}
