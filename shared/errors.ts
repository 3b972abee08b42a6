/**
 * Every failure a caller can see carries a stable machine-readable code; `shared/http/toHttp.ts` is the one
 * place that turns codes into HTTP statuses.
 */
export type ErrorCode =
  | 'invalid_signature'
  | 'invalid_json'
  | 'invalid_request'
  | 'payload_too_large'
  | 'queue_unavailable'
  | 'secrets_unavailable'
  | 'secret_not_found'
  | 'storage_unavailable'
  | 'text_invalid'
  | 'phone_invalid'
  | 'not_found'
  | 'conversation_not_found'
  | 'dynamics_bridge_off'
  | 'conversation_closed'
  | 'recipient_opted_out'
  | 'invalid_transition'
  | 'idempotency_conflict'
  | 'too_many_segments'
  | 'telesign_rejected'
  | 'telesign_failed'
  | 'telesign_unavailable'
  | 'unauthorized'
  | 'internal_error';

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AppError';
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

/** A dependency that is down for now: retrying later (a redelivery, a client's retry) can succeed. */
const transientCodes: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'queue_unavailable',
  'secrets_unavailable',
  'storage_unavailable',
  'telesign_unavailable',
]);

export function isTransient(code: ErrorCode): boolean {
  return transientCodes.has(code);
}

/**
 * A message that no retry can fix (Dynamics refused it for good): the consumer dead-letters it at once with this
 * reason and description, so an operator sees why. The Functions host cannot dead-letter from a handler, so there
 * it is retried up to the subscription's maxDeliveryCount and then dead-lettered.
 */
export class DeadLetterError extends Error {
  constructor(
    readonly reason: string,
    readonly description: string,
    options?: { cause?: unknown },
  ) {
    super(`${reason}: ${description}`, options);
    this.name = 'DeadLetterError';
  }
}

export function isDeadLetterError(e: unknown): e is DeadLetterError {
  return e instanceof DeadLetterError;
}
