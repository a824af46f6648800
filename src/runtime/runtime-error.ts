// User-facing runtime failures: one table of coded messages, each with the fix, so the CLI can
// print one line (code, message, fix) instead of a stack trace. Stack traces are for bugs.

type Args = Record<string, string | number>;

interface ErrorFormat {
  readonly summary: string;
  readonly message: (a: Args) => string;
  readonly fix: (a: Args) => string;
}

const e = (summary: string, message: (a: Args) => string, fix: (a: Args) => string): ErrorFormat => ({
  summary,
  message,
  fix,
});

/** Codes are stable: WS70x local service, WS71x streams, WS72x reservoir, WS73x archive, WS74x query, WS75x replay. */
export const RUNTIME_ERRORS = {
  WS701: e(
    'local service not running',
    (a) => `the local Kinesis service is not running (home ${a.home})`,
    () => `start it with 'wshed local start'`,
  ),
  WS702: e(
    'local service failed to start',
    (a) => `the local Kinesis service did not start: ${a.why}`,
    (a) => `see ${a.log}`,
  ),
  WS703: e(
    'local service already running',
    (a) => `another local Kinesis service (pid ${a.pid}) already uses ${a.home}`,
    () => `stop it with 'wshed local stop' or use another home ($WSHED_HOME)`,
  ),
  WS711: e(
    'stream not found',
    (a) => `stream '${a.stream}' does not exist`,
    () => `create it with 'wshed run' (or declare it in the .wshed file)`,
  ),
  WS712: e(
    'stream not active',
    (a) => `stream '${a.stream}' did not become ACTIVE within ${a.seconds} s (status ${a.status})`,
    () => `retry later; check the stream in the Kinesis console`,
  ),
  WS721: e(
    'reservoir location not supported',
    (a) => `reservoir '${a.reservoir}' is on ${a.kind}, which this runtime cannot write yet`,
    () => `use a local location for now`,
  ),
  WS722: e(
    'reservoir locked',
    (a) => `reservoir '${a.reservoir}' is being archived by another process (pid ${a.pid})`,
    (a) => `wait for it to finish; if no such process runs, delete ${a.lock}`,
  ),
  WS723: e(
    'reservoir has files but no checkpoint',
    (a) => `reservoir '${a.reservoir}' at ${a.root} holds archived files but no checkpoint (${a.checkpoint})`,
    () => `restore the checkpoint, or move the files away to archive the stream again from its oldest record`,
  ),
  WS724: e(
    'checkpoint belongs to another stream',
    (a) => `the checkpoint of reservoir '${a.reservoir}' is for stream '${a.found}', not '${a.stream}'`,
    () => `give this reservoir its own location`,
  ),
  WS725: e(
    'archive not run by the archiver',
    (a) => `reservoir '${a.reservoir}' is filled by ${a.via}, not by the archiver`,
    () => `run 'wshed run' to provision it`,
  ),
  WS731: e(
    'checkpoint no longer in the stream',
    (a) => `reservoir '${a.reservoir}': ${a.details}`,
    () => `archive what is still there with the option to accept data loss ('--accept-data-loss'), or recover the missing records from another copy first`,
  ),
  WS741: e(
    'query failed',
    (a) => `${a.message}`,
    (a) => `${a.hint}`,
  ),
  WS742: e(
    'no saved query by that name',
    (a) => `the pipeline has no saved query '${a.name}'`,
    (a) => `saved queries: ${a.known}`,
  ),
} as const;

export type RuntimeErrorCode = keyof typeof RUNTIME_ERRORS;

export class RuntimeError extends Error {
  readonly code: RuntimeErrorCode;
  readonly fix: string;
  readonly args: Args;

  constructor(code: RuntimeErrorCode, args: Args = {}) {
    const format = RUNTIME_ERRORS[code];
    super(format.message(args));
    this.name = 'RuntimeError';
    this.code = code;
    this.fix = format.fix(args);
    this.args = args;
  }

  /** The one line the CLI prints. */
  render(): string {
    return `${this.code}: ${this.message} (${this.fix})`;
  }
}

export function isRuntimeError(err: unknown, code?: RuntimeErrorCode): err is RuntimeError {
  return err instanceof RuntimeError && (code === undefined || err.code === code);
}
