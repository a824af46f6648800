// Why a target's live state could not be read, in a few words for one line of `wshed plan` or
// `wshed run`: a refused connection (and where), missing credentials, an AWS error's name. Never
// a stack trace, never a credential.

import { isRuntimeError } from '../runtime-error.ts';
import { systemFailureOf } from '../world-failure.ts';

const NETWORK: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'name lookup failed',
};

export function whyUnreadable(err: unknown): string {
  if (isRuntimeError(err)) return `${err.code}: ${err.message}`;
  const e = err as { name?: string; message?: string } | null;
  if (e?.name === 'CredentialsProviderError') return 'no AWS credentials were found (AWS_PROFILE, AWS_ACCESS_KEY_ID, the shared credentials file, an instance role)';
  const f = systemFailureOf(err);
  if (f) return `${NETWORK[f.code] ?? f.code}${f.address ? ` at ${f.address}` : ''}`;
  const first = (e?.message ?? String(err)).split('\n')[0].trim();
  return e?.name && e.name !== 'Error' ? `${e.name}${first ? `: ${first}` : ''}` : first || 'unknown error';
}
