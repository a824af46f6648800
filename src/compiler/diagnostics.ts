// Diagnostics are data: a code from one table, a severity, a message, a span and hints.
// Every message the compiler can emit is defined here, so each one is findable by its code.

import type { Span } from './source.ts';
import { plural } from './format-numbers.ts';

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  readonly message: string;
  readonly span: Span;
  readonly hints: readonly string[];
}

type Args = Record<string, string | number>;

interface MessageFormat {
  readonly severity: Severity;
  readonly summary: string;
  readonly format: (a: Args) => string;
}

const m = (severity: Severity, summary: string, format: (a: Args) => string): MessageFormat => ({
  severity,
  summary,
  format,
});

/**
 * The one table of compiler messages. Codes are stable: WS1xx syntax, WS2xx names,
 * WS3xx values, WS4xx semantics, WS5xx target and configuration.
 */
export const MESSAGES = {
  WS101: m('error', 'unexpected token', (a) => `unexpected ${a.found}; expected ${a.expected}`),
  WS102: m('error', 'unterminated string', (a) => `unterminated ${a.what}`),
  WS103: m('error', 'unterminated block', (a) => `'{' of ${a.what} is never closed`),
  WS104: m('error', 'unknown character', (a) => `unexpected character ${a.char}`),
  WS105: m('error', 'unknown keyword', (a) => `unknown keyword '${a.word}'; a statement starts with stream, reservoir, query or replay`),
  WS106: m('error', 'unknown property', (a) => `unknown property '${a.word}' in ${a.where}`),
  WS107: m('error', 'duplicate clause', (a) => `'${a.clause}' is given more than once in ${a.where}`),
  WS108: m('error', 'missing property', (a) => `${a.where} needs '${a.property}'`),
  WS109: m('error', 'unknown clause', (a) => `unknown replay clause '${a.word}'`),
  WS110: m('error', 'expression too deeply nested', (a) => `expression too deeply nested: more than ${a.limit} levels of parentheses and 'not'`),

  WS201: m('error', 'unknown stream', (a) => `unknown stream '${a.name}'`),
  WS202: m('error', 'unknown reservoir', (a) => `unknown reservoir '${a.name}'`),
  WS203: m('error', 'duplicate name', (a) => `${a.what} '${a.name}' is declared more than once`),
  WS204: m('error', 'ambiguous replay source', (a) => `replay does not name its reservoir and the file declares ${a.count} reservoirs`),
  WS205: m('error', 'no reservoir', () => `replay does not name its reservoir and the file declares none`),
  WS206: m('error', 'missing into', () => `replay has no 'into stream' clause`),
  WS207: m('error', 'unknown metadata', (a) => `unknown record metadata '@${a.name}'`),

  WS301: m('error', 'invalid time', (a) => `invalid time '${a.text}'${a.why ? `: ${a.why}` : ''}`),
  WS302: m('error', 'invalid duration', (a) => `invalid duration '${a.text}'${a.why ? `: ${a.why}` : ''}`),
  WS303: m('error', 'invalid size', (a) => `invalid size '${a.text}'${a.why ? `: ${a.why}` : ''}`),
  WS304: m('error', 'invalid rate', (a) => `invalid rate '${a.text}'${a.why ? `: ${a.why}` : ''}`),
  WS305: m('error', 'empty time range', (a) => `since (${a.since}) is not before until (${a.until})`),
  WS306: m('error', 'unknown format', (a) => `unknown format '${a.word}'`),
  WS307: m('error', 'unknown partitioning', (a) => `unknown partitioning '${a.word}'`),
  WS308: m('error', 'invalid number', (a) => `${a.what} must be ${a.rule}, not ${a.text}`),
  WS309: m('error', 'retention out of range', (a) => `retention ${a.text} is outside what Kinesis allows (24h to 8760h)`),
  WS310: m('error', 'duplicate annotation key', (a) => `annotation key '${a.key}' is given more than once`),
  WS311: m('error', 'nothing to compact by', (a) => `cannot compact by ${a.key}: ${a.why}`),
  WS312: m('error', 'reserved annotation key', (a) => `annotation key '${a.key}' is reserved for watershed's replay metadata`),
  WS313: m('error', 'empty query', (a) => `query '${a.name}' has no SQL`),
  WS314: m('error', 'invalid location', (a) => `invalid reservoir location '${a.text}': ${a.why}`),
  WS315: m('error', 'unknown archiver', (a) => `unknown archive method '${a.word}'`),
  WS316: m('error', 'invalid literal', (a) => `invalid ${a.what} ${a.text}: ${a.why}`),
  WS317: m('error', 'unsafe character', (a) => `${a.what} holds ${a.char}, which the SQL engines cannot carry`),
  WS318: m('error', 'unknown operator', (a) => `'${a.op}' is not an operator`),

  WS401: m('warning', 'replay into its source', (a) => `replay writes into '${a.stream}', the stream it reads from`),
  WS402: m('warning', 'rate above shard budget', (a) => `rate ${a.rate}/s is above the ${a.budget} records/s that '${a.stream}' accepts (${plural(Number(a.shards), 'shard')}); the replay will be held to the budget`),
  WS403: m('warning', 'archive slower than retention', (a) => `archiving every ${a.every} may fall behind retention of ${a.retention} for stream '${a.stream}'`),
  WS404: m('warning', 'field compared with a field', (a) => `both sides of '${a.op}' are fields: '${a.left}' and '${a.right}'`),
  WS405: m('warning', 'local location on aws', (a) => `reservoir '${a.reservoir}' has the local location '${a.path}'; on target aws it is ${a.url}, in the configured bucket`),

  WS501: m('error', 'unsupported on target', (a) => `${a.what} is not supported on target '${a.target}'`),
  WS502: m('error', 'invalid configuration', (a) => `${a.file}: ${a.path}: ${a.why}`),
  WS503: m('error', 'drill plugin name clash', (a) => `buckets '${a.bucket}' and '${a.other}' would both be read by the Drill plugin '${a.plugin}'`),
} as const satisfies Record<string, MessageFormat>;

export type DiagnosticCode = keyof typeof MESSAGES;

export function diagnostic(code: DiagnosticCode, span: Span, args: Args = {}, hints: readonly string[] = []): Diagnostic {
  const entry = MESSAGES[code];
  return { code, severity: entry.severity, message: entry.format(args), span, hints };
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** Orders diagnostics by position, then code, so output is stable. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  // Codes are ASCII: a plain comparison orders them as localeCompare did, many times faster.
  return [...diagnostics].sort((a, b) => a.span.start - b.span.start || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
}
