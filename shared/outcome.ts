import { AppError, type ErrorCode } from './errors';

/** Services return expected failures as values; only the unexpected throws. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: AppError };

export const success = <T>(value: T): Outcome<T> => ({ ok: true, value });

export const failure = <T = never>(code: ErrorCode, message: string, details?: unknown): Outcome<T> => ({
  ok: false,
  error: new AppError(code, message, details),
});
