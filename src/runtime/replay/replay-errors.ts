// The replay's user-facing failures (WS75x, WS76x) live in the one runtime table
// (runtime-error.ts); these names keep the replay code readable.

import { isRuntimeError, RuntimeError, type RuntimeErrorCode } from '../runtime-error.ts';

export type ReplayErrorCode = Extract<RuntimeErrorCode, `WS75${number}` | `WS76${number}`>;

export const ReplayError = RuntimeError;
export type ReplayError = RuntimeError;

export function isReplayError(err: unknown, code?: ReplayErrorCode): err is RuntimeError {
  return isRuntimeError(err, code) && /^WS7(5\d|6\d)$/.test(err.code);
}
