// A small rule language for target settings: each rule checks one JSON value and collects every
// problem with its path (`emr.instanceGroups[1].count`), so one run shows all mistakes in a file.

import { didYouMean } from '../suggest.ts';
import { isSecretName, looksLikeSecretValue, SECRET_NAME_WHY, SECRET_VALUE_WHY } from './secrets.ts';

export interface Problem {
  readonly path: string;
  readonly why: string;
  readonly hints: readonly string[];
}

type Check<T> = (value: T, path: string) => Problem[];

export type Rule =
  | { readonly kind: 'object'; readonly fields: Readonly<Record<string, Rule>>; readonly check?: Check<Record<string, unknown>>; readonly refused?: Readonly<Record<string, string>> }
  | { readonly kind: 'list'; readonly items: Rule; readonly minItems: number; readonly check?: Check<readonly unknown[]> }
  | { readonly kind: 'string'; readonly expected: string; readonly test: (s: string) => boolean; readonly hints?: (s: string) => string[] }
  | { readonly kind: 'integer'; readonly expected: string; readonly min: number; readonly max: number }
  | { readonly kind: 'number'; readonly expected: string; readonly test: (n: number) => boolean }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'one-of'; readonly values: readonly string[] }
  | { readonly kind: 'nullable'; readonly inner: Rule }
  | { readonly kind: 'map'; readonly keyExpected: string; readonly keyTest: (key: string) => boolean; readonly values: Rule; readonly notSecrets: readonly string[] };

/**
 * An object of known keys. A declared key is never taken for a secret's name (`tokenFile` names
 * where a secret is, not the secret); `refused`: keys that are not settings, each with why (and
 * what to give instead), checked before the secret-name rule.
 */
export const obj = (fields: Record<string, Rule>, check?: Check<Record<string, unknown>>, refused?: Record<string, string>): Rule => ({ kind: 'object', fields, check, refused });
export const list = (items: Rule, minItems: number, check?: Check<readonly unknown[]>): Rule => ({ kind: 'list', items, minItems, check });
export const str = (expected: string, test: (s: string) => boolean = () => true, hints?: (s: string) => string[]): Rule => ({
  kind: 'string',
  expected,
  test,
  hints,
});
export const int = (expected: string, min: number, max = Number.MAX_SAFE_INTEGER): Rule => ({ kind: 'integer', expected, min, max });
export const num = (expected: string, test: (n: number) => boolean): Rule => ({ kind: 'number', expected, test });
export const bool: Rule = { kind: 'boolean' };
export const oneOf = (...values: string[]): Rule => ({ kind: 'one-of', values });
export const nullable = (inner: Rule): Rule => ({ kind: 'nullable', inner });
/**
 * An object whose keys the user names (each passing `keyTest`), every value checked by `values`.
 * `notSecrets`: keys whose names look like a secret's but hold none (a class name, say).
 */
export const map = (keyExpected: string, keyTest: (key: string) => boolean, values: Rule, notSecrets: readonly string[] = []): Rule => ({
  kind: 'map',
  keyExpected,
  keyTest,
  values,
  notSecrets,
});

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function childPath(path: string, key: string): string {
  const part = /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key);
  if (path === '') return part;
  return part === key ? `${path}.${key}` : `${path}[${part}]`;
}

/** How a wrong value is shown back: short, and never a secret. */
export function describe(value: unknown): string {
  if (looksLikeSecretValue(value)) return 'a value that looks like a secret';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

export function expectation(rule: Rule): string {
  switch (rule.kind) {
    case 'object':
      return 'an object';
    case 'list':
      return rule.minItems > 0 ? 'a non-empty list' : 'a list';
    case 'string':
    case 'integer':
    case 'number':
      return rule.expected;
    case 'boolean':
      return 'true or false';
    case 'one-of':
      return rule.values.map((v) => JSON.stringify(v)).join(' or ');
    case 'nullable':
      return `${expectation(rule.inner)}, or null`;
    case 'map':
      return 'an object';
  }
}

const problem = (path: string, why: string, hints: readonly string[] = []): Problem => ({ path, why, hints });
const wrong = (expected: string, value: unknown, path: string, hints: readonly string[] = []): Problem =>
  problem(path, `expected ${expected}, got ${describe(value)}`, hints);

/** `expected` is what a message says is wanted: a nullable rule passes its own ("..., or null"). */
export function check(rule: Rule, value: unknown, path: string, out: Problem[], expected = expectation(rule)): void {
  if (looksLikeSecretValue(value)) {
    out.push(problem(path, SECRET_VALUE_WHY));
    return;
  }
  switch (rule.kind) {
    case 'nullable':
      if (value !== null) check(rule.inner, value, path, out, expected);
      return;
    case 'string':
      if (typeof value !== 'string' || !rule.test(value)) {
        out.push(wrong(expected, value, path, typeof value === 'string' && rule.hints ? rule.hints(value) : []));
      }
      return;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < rule.min || value > rule.max) out.push(wrong(expected, value, path));
      return;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value) || !rule.test(value)) out.push(wrong(expected, value, path));
      return;
    case 'boolean':
      if (typeof value !== 'boolean') out.push(wrong(expected, value, path));
      return;
    case 'one-of':
      if (typeof value !== 'string' || !rule.values.includes(value)) {
        out.push(wrong(expected, value, path, typeof value === 'string' ? didYouMean(value, rule.values) : []));
      }
      return;
    case 'list':
      return checkList(rule, value, path, out, expected);
    case 'object':
      return checkObject(rule, value, path, out, expected);
    case 'map':
      return checkMap(rule, value, path, out, expected);
  }
}

function checkList(rule: Extract<Rule, { kind: 'list' }>, value: unknown, path: string, out: Problem[], expected: string): void {
  if (!Array.isArray(value) || value.length < rule.minItems) {
    out.push(wrong(expected, value, path));
    return;
  }
  const before = out.length;
  value.forEach((item, i) => check(rule.items, item, `${path}[${i}]`, out));
  // Cross-item checks only make sense once every item is well formed.
  if (out.length === before && rule.check) out.push(...rule.check(value, path));
}

function checkObject(rule: Extract<Rule, { kind: 'object' }>, value: unknown, path: string, out: Problem[], expected: string): void {
  if (!isPlainObject(value)) {
    out.push(wrong(expected, value, path === '' ? '(top level)' : path));
    return;
  }
  const before = out.length;
  const known = Object.keys(rule.fields);
  for (const key of Object.keys(value)) {
    const at = childPath(path, key);
    if (Object.hasOwn(rule.fields, key)) continue;
    if (rule.refused && Object.hasOwn(rule.refused, key)) out.push(problem(at, rule.refused[key]!));
    else if (isSecretName(key)) out.push(problem(at, SECRET_NAME_WHY));
    else {
      out.push(problem(at, 'unknown setting', didYouMean(key, known)));
      scanForSecrets(value[key], at, out);
    }
  }
  for (const key of known) {
    const at = childPath(path, key);
    if (!Object.hasOwn(value, key)) out.push(problem(at, `missing; expected ${expectation(rule.fields[key])}`));
    else check(rule.fields[key], value[key], at, out);
  }
  if (out.length === before && rule.check) out.push(...rule.check(value, path));
}

function checkMap(rule: Extract<Rule, { kind: 'map' }>, value: unknown, path: string, out: Problem[], expected: string): void {
  if (!isPlainObject(value)) {
    out.push(wrong(expected, value, path));
    return;
  }
  for (const [key, v] of Object.entries(value)) {
    const at = childPath(path, key);
    if (isSecretName(key) && !rule.notSecrets.includes(key)) out.push(problem(at, SECRET_NAME_WHY));
    else if (!rule.keyTest(key)) out.push(problem(at, `expected ${rule.keyExpected}, got ${JSON.stringify(key)}`));
    else check(rule.values, v, at, out);
  }
}

/** Inside an unknown setting nothing else is checked, but a secret there must still be refused. */
function scanForSecrets(value: unknown, path: string, out: Problem[]): void {
  if (looksLikeSecretValue(value)) out.push(problem(path, SECRET_VALUE_WHY));
  else if (Array.isArray(value)) value.forEach((v, i) => scanForSecrets(v, `${path}[${i}]`, out));
  else if (isPlainObject(value)) {
    for (const [key, v] of Object.entries(value)) {
      const at = childPath(path, key);
      if (isSecretName(key)) out.push(problem(at, SECRET_NAME_WHY));
      else scanForSecrets(v, at, out);
    }
  }
}
