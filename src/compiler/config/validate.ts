// Checks target settings (a parsed conf/*.json, possibly merged with --conf overrides) and turns
// every problem into a WS502 diagnostic. Pure: the caller reads and parses the files.

import { diagnostic, type Diagnostic } from '../diagnostics.ts';
import type { TargetConfig } from '../target-config.ts';
import { check, describe, isPlainObject, type Problem } from './rules.ts';
import { AWS_RULES, LOCAL_RULES } from './target-rules.ts';
import { didYouMean } from '../suggest.ts';

const RULES = { local: LOCAL_RULES, aws: AWS_RULES } as const;
const NO_SPAN = { start: 0, end: 0 };

export function validateTargetConfig(fileName: string, json: unknown): { config: TargetConfig | null; diagnostics: Diagnostic[] } {
  const problems: Problem[] = [];
  const target = isPlainObject(json) ? json.target : undefined;
  if (!isPlainObject(json)) {
    problems.push({ path: '(top level)', why: `expected an object of settings, got ${describe(json)}`, hints: [] });
  } else if (target !== 'local' && target !== 'aws') {
    // Without a known target there is no rule set to check the other settings against.
    const why = target === undefined ? 'missing; expected "local" or "aws"' : `expected "local" or "aws", got ${describe(target)}`;
    problems.push({ path: 'target', why, hints: typeof target === 'string' ? didYouMean(target, ['local', 'aws']) : [] });
  } else {
    check(RULES[target], json, '', problems);
  }
  const diagnostics = problems.map((p) => diagnostic('WS502', NO_SPAN, { file: fileName, path: p.path, why: p.why }, p.hints));
  return { config: diagnostics.length === 0 ? (json as unknown as TargetConfig) : null, diagnostics };
}

/**
 * Settings from `--conf FILE` over the target's defaults: objects merge key by key, anything else
 * (lists included) replaces. Neither input is changed.
 */
export function mergeConfig(base: unknown, override: unknown): unknown {
  if (override === undefined) return base;
  if (!isPlainObject(base) || !isPlainObject(override)) return override;
  const merged: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(base)) define(merged, key, value);
  for (const [key, value] of Object.entries(override)) {
    define(merged, key, Object.hasOwn(base, key) ? mergeConfig(base[key], value) : value);
  }
  return merged;
}

// A JSON key "__proto__" must stay a plain key (validation then reports it), not a prototype.
function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
