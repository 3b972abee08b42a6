import { AppError, type ErrorCode, isAppError } from '../errors';
import { isTelesignError } from '../telesign/telesignError';

/**
 * What a failed Telesign call means for the recorded message and for the caller.
 * `retryable`: Telesign certainly did not send, so the idempotency key is released and a retry may send.
 * `unknown`: Telesign may have sent; the message is `unknown`, never resent, and a delivery report settles it.
 */
export type SendFailure =
  /** `telesignCode`: the code of Telesign's answer, when it gave one (for the log; the details keep it too). */
  { kind: 'failed'; error: AppError; retryable: boolean; telesignCode?: number } | { kind: 'unknown'; reason: string };

export function classifySendFailure(error: unknown): SendFailure {
  if (isAppError(error)) return { kind: 'failed', error, retryable: error.code !== 'secret_not_found' };
  if (!isTelesignError(error)) return { kind: 'unknown', reason: 'the call to Telesign ended unexpectedly' };
  if (error.outcomeUnknown)
    return { kind: 'unknown', reason: 'Telesign did not answer in time; the message may have been sent' };
  const details = { httpStatus: error.httpStatus, telesignCode: error.telesignCode, errors: error.errors };
  const failed = (code: ErrorCode, message: string, retryable: boolean): SendFailure => ({
    kind: 'failed',
    error: new AppError(code, message, details),
    retryable,
    ...(error.telesignCode === undefined ? {} : { telesignCode: error.telesignCode }),
  });
  switch (error.kind) {
    case 'rejected':
      return failed(
        'telesign_rejected',
        `Telesign refused the message${error.telesignCode ? ` (code ${error.telesignCode})` : ''}: ${describe(error.errors)}`,
        false,
      );
    case 'unauthorized':
      return failed(
        'telesign_failed',
        'Telesign refused our credentials, also after reading the API key again; check the key in Key Vault.',
        true,
      );
    case 'rate_limited':
      return failed('telesign_unavailable', 'Telesign is rate limiting us; nothing was sent. Retry later.', true);
    case 'unavailable':
      return failed('telesign_unavailable', 'Telesign cannot be reached; nothing was sent. Retry later.', true);
    default:
      return failed(
        'telesign_failed',
        `Telesign failed to take the message (HTTP ${error.httpStatus ?? 'error'}); nothing was sent.`,
        true,
      );
  }
}

function describe(errors: ReadonlyArray<{ code: number | string; description: string }>): string {
  return errors.length ? errors.map((e) => `${e.code} ${e.description}`).join('; ') : 'no reason given';
}
