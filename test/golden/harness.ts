// Golden-file harness: one .wshed input per case, expected outputs committed beside it.
// UPDATE_GOLDEN=1 rewrites them; a missing expected file fails the test.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TargetConfig, TargetName } from '../../src/compiler/target-config.ts';
import { validateTargetConfig } from '../../src/compiler/config/validate.ts';

export const GOLDEN_DIR = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(GOLDEN_DIR, '../..');
/** Every golden case is compiled at this instant, so relative times are reproducible. */
export const GOLDEN_NOW = new Date('2026-11-27T12:00:00.000Z');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

/** Compares `actual` with the expected file; returns a failure message or null. */
export function expectGolden(file: string, actual: string): string | null {
  if (UPDATE) {
    if (!existsSync(file) || readFileSync(file, 'utf8') !== actual) writeFileSync(file, actual);
    return null;
  }
  if (!existsSync(file)) return `missing expected file ${path.relative(ROOT, file)} (run UPDATE_GOLDEN=1 npm test)`;
  const expected = readFileSync(file, 'utf8');
  if (expected === actual) return null;
  return `${path.relative(ROOT, file)} differs:\n${firstDifference(expected, actual)}`;
}

function firstDifference(expected: string, actual: string): string {
  const e = expected.split('\n');
  const a = actual.split('\n');
  for (let i = 0; i < Math.max(e.length, a.length); i++) {
    if (e[i] !== a[i]) return `  line ${i + 1}\n  expected: ${JSON.stringify(e[i])}\n  actual:   ${JSON.stringify(a[i])}`;
  }
  return '  (no line differs)';
}

/** A case may choose its target with a first-line comment: `# target: aws`. */
export function targetOf(text: string): TargetName {
  return /^#\s*target:\s*aws\b/m.test(text.split('\n')[0] ?? '') ? 'aws' : 'local';
}

const configs = new Map<TargetName, TargetConfig>();
export function defaultConfig(target: TargetName): TargetConfig {
  let config = configs.get(target);
  if (!config) {
    const file = path.join(ROOT, 'conf', `${target}.json`);
    const result = validateTargetConfig(file, JSON.parse(readFileSync(file, 'utf8')));
    if (!result.config) throw new Error(`conf/${target}.json is invalid`);
    config = result.config;
    configs.set(target, config);
  }
  return config;
}
