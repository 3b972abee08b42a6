import { AppError, type ErrorCode, isAppError } from '../errors';
import type { Outcome } from '../outcome';

/** The one mapping from error codes to HTTP statuses (docs/architecture.md §Contracts). */
export const httpStatusOf: Record<ErrorCode, number> = {
  invalid_request: 400,
  invalid_json: 400,
  text_invalid: 400,
  phone_invalid: 400,
  invalid_signature: 401,
  unauthorized: 401,
  not_found: 404,
  conversation_not_found: 404,
  dynamics_bridge_off: 404,
  conversation_closed: 409,
  recipient_opted_out: 409,
  invalid_transition: 409,
  idempotency_conflict: 409,
  payload_too_large: 413,
  too_many_segments: 422,
  telesign_rejected: 422,
  telesign_failed: 502,
  queue_unavailable: 503,
  secrets_unavailable: 503,
  storage_unavailable: 503,
  telesign_unavailable: 503,
  secret_not_found: 500,
  internal_error: 500,
};

/** Structurally an `HttpResponseInit`, so the Functions host and the local host can both return it. */
export interface HttpResult {
  status: number;
  jsonBody?: unknown;
  headers?: Record<string, string>;
}

export function errorResponse(error: AppError): HttpResult {
  const body: { code: ErrorCode; message: string; details?: unknown } = { code: error.code, message: error.message };
  if (error.details !== undefined) body.details = error.details;
  const headers: Record<string, string> = {};
  if (httpStatusOf[error.code] === 503) headers['Retry-After'] = '10';
  return { status: httpStatusOf[error.code], jsonBody: { error: body }, headers };
}

export function toHttp<T>(outcome: Outcome<T>, onSuccess: (value: T) => HttpResult): HttpResult {
  return outcome.ok ? onSuccess(outcome.value) : errorResponse(outcome.error);
}

/** The last line of defence in an entry point: an unexpected error is a 500 with no internals in the body. */
export function unexpectedErrorResponse(error: unknown): HttpResult {
  if (isAppError(error)) return errorResponse(error);
  return errorResponse(new AppError('internal_error', 'Something went wrong on our side; the request can be retried.'));
}
