// Failures of the outside world (a full disk, a service that went away, a refused permission, a
// system limit, an AWS service refusing a request) turned into coded one-line RuntimeErrors with
// the fix (WS732–WS737). Callers that know what was going on add context; the CLI's top-level
// handler maps whatever is left.
// Anything that is not such a failure is a bug and keeps its stack trace.

import { RuntimeError } from './runtime-error.ts';

/** The system error found in an error or its causes (the AWS SDK and fetch wrap them). */
export interface SystemFailure {
  readonly code: string;
  readonly syscall?: string;
  readonly path?: string;
  readonly address?: string;
  /** The error came through an AWS SDK client (it carries `$metadata`). */
  readonly viaSdk: boolean;
  readonly attempts?: number;
}

/** What the caller was doing, to say so in the message and the fix. */
export interface FailureContext {
  /** e.g. "archiving stream 'orders' into reservoir 'orders_archive'" */
  readonly during?: string;
  /** The folder whose device filled up (errors from write() carry no path). */
  readonly location?: string;
  /** What is safe, or what was done before the failure. */
  readonly kept?: string;
  /** The end of the fix: what to run again, and what that does (default "run the command again"). */
  readonly again?: string;
  /** The service that was being called, e.g. "the Kinesis service". */
  readonly service?: string;
}

const DISK_FULL = new Set(['ENOSPC', 'EDQUOT']);
/** The reason words of each network failure, as every message says them. */
export const NETWORK: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ECONNABORTED: 'connection aborted',
  EPIPE: 'connection closed',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'name lookup failed',
  UND_ERR_SOCKET: 'connection closed',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
};
const PERMISSION: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
};
const LIMITS: Record<string, { reason: string; remedy: string }> = {
  EMFILE: { reason: 'too many open files', remedy: "raise the open-file limit (e.g. 'ulimit -n 65536')" },
  ENFILE: { reason: 'too many open files in the system', remedy: 'close other programs or raise the system-wide file limit' },
  EIO: { reason: 'input/output error', remedy: "check the device (see 'dmesg')" },
  EADDRINUSE: { reason: 'the address is already in use', remedy: "choose another port ('--port 0' picks a free one)" },
  EADDRNOTAVAIL: { reason: 'the address is not available on this machine', remedy: 'choose an address this machine has' },
};
const SYSCALLS: Record<string, string> = {
  open: 'opening',
  mkdir: 'creating the folder',
  write: 'writing',
  rename: 'renaming into',
  link: 'linking into',
  unlink: 'removing',
  rm: 'removing',
  rmdir: 'removing',
  scandir: 'listing',
  copyfile: 'copying',
  listen: 'listening on',
  connect: 'connecting to',
};

export function systemFailureOf(err: unknown): SystemFailure | null {
  let viaSdk = false;
  let attempts: number | undefined;
  let current: unknown = err;
  for (let depth = 0; depth < 6 && current && typeof current === 'object'; depth++) {
    const e = current as NodeJS.ErrnoException & { $metadata?: { attempts?: number }; address?: string; port?: number; hostname?: string; errors?: unknown[] };
    if (e.$metadata) {
      viaSdk = true;
      attempts ??= e.$metadata.attempts;
    }
    // A recursive mkdir on a read-only file system reports ENOENT, not EROFS.
    if (e.code === 'ENOENT' && e.syscall === 'mkdir') return { code: 'EROFS', syscall: 'mkdir', path: e.path, viaSdk, attempts };
    if (typeof e.code === 'string' && isWorldCode(e.code)) {
      const address = e.address ? (e.port ? `${e.address}:${e.port}` : e.address) : e.hostname;
      return { code: e.code, syscall: e.syscall, path: e.path, address, viaSdk, attempts };
    }
    if (e.name === 'TimeoutError' && e.$metadata) return { code: 'ETIMEDOUT', viaSdk: true, attempts };
    // Happy-eyeballs connects fail with an AggregateError of one error per address.
    current = e.cause ?? (Array.isArray(e.errors) ? e.errors[0] : undefined);
  }
  return null;
}

function isWorldCode(code: string): boolean {
  return DISK_FULL.has(code) || code in NETWORK || code in PERMISSION || code in LIMITS;
}

/** An AWS service's answer refusing a request (the SDK's ServiceException: a name, a fault, HTTP metadata). */
interface AwsServiceError {
  readonly name: string;
  readonly message: string;
  readonly $fault: 'client' | 'server';
  readonly $metadata: { readonly httpStatusCode?: number; readonly requestId?: string };
}

function awsServiceErrorOf(err: unknown): AwsServiceError | null {
  const e = err as Partial<AwsServiceError> | null;
  return e && typeof e === 'object' && (e.$fault === 'client' || e.$fault === 'server') && e.$metadata && typeof e.name === 'string' ? (e as AwsServiceError) : null;
}

/** Error names that mean the caller lacks a permission or valid credentials. */
const DENIED = /AccessDenied|UnauthorizedOperation|NotAuthorized|Forbidden|InvalidClientTokenId|SignatureDoesNotMatch|ExpiredToken/i;

/** The coded error for a failure of the outside world, or null when `err` is something else. */
export function worldFailure(err: unknown, context: FailureContext = {}): RuntimeError | null {
  if (err instanceof RuntimeError) return null;
  const f = systemFailureOf(err);
  if (!f) {
    // The SDK's chain found no credentials: the user's setup, not a bug (no stack trace).
    const e = err as { name?: unknown; message?: unknown } | null;
    if (e && typeof e === 'object' && e.name === 'CredentialsProviderError') {
      return new RuntimeError('WS749', { reason: String(e.message ?? ''), service: context.service ?? 'AWS' }, { cause: err });
    }
    // An AWS service that answered "no" is the outside world too: one line with its own words.
    const aws = awsServiceErrorOf(err);
    if (!aws) return null;
    return new RuntimeError(
      'WS737',
      {
        operation: context.service ? `a request to ${context.service}` : 'a request',
        during: context.during ?? '',
        name: aws.name,
        reason: aws.message || 'no message',
        status: aws.$metadata.httpStatusCode ?? '?',
        requestId: aws.$metadata.requestId ?? '',
        denied: DENIED.test(aws.name) || aws.$metadata.httpStatusCode === 403 ? 'yes' : 'no',
        again: context.again ?? '',
      },
      { cause: err },
    );
  }
  const common = { during: context.during ?? '', kept: context.kept ?? '', again: context.again ?? '' };
  if (DISK_FULL.has(f.code)) {
    const where = context.location ?? f.path;
    return new RuntimeError('WS732', { ...common, where: where ? `holding ${where}` : '' }, { cause: err });
  }
  if (f.code in NETWORK) {
    const service = context.service ?? (f.viaSdk ? 'the Kinesis service' : 'the server');
    const kinesis = /kinesis/i.test(service);
    const tries = f.attempts && f.attempts > 1 ? `, ${f.attempts} attempts` : '';
    return new RuntimeError(
      'WS733',
      {
        ...common,
        service,
        address: f.address ?? 'its address',
        reason: `${NETWORK[f.code]}${tries}`,
        check: kinesis
          ? "check that it runs ('wshed local status'; 'wshed local start' starts the local one)"
          : 'check that it runs and that its address is right',
      },
      { cause: err },
    );
  }
  if (f.code in PERMISSION) {
    return new RuntimeError(
      'WS735',
      { operation: SYSCALLS[f.syscall ?? ''] ?? f.syscall ?? 'access to', path: f.path ?? context.location ?? 'a file', reason: PERMISSION[f.code] },
      { cause: err },
    );
  }
  const limit = LIMITS[f.code];
  return new RuntimeError(
    'WS736',
    { operation: SYSCALLS[f.syscall ?? ''] ?? f.syscall ?? 'a system call', path: f.path ?? f.address ?? '', reason: limit.reason, remedy: limit.remedy },
    { cause: err },
  );
}
