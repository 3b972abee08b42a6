/**
 * What a failed Messaging API call tells its caller (docs/dynamics-protocol.md §3.6). `kind` decides what happens
 * next:
 * - `rate_limited`: 429; wait `retryAfterSeconds` when given, else back off.
 * - `unavailable`: 5xx, a timeout, a network failure, or an answer that cannot be read; retry with backoff.
 * - `not_found`: 404 on a conversation (code 30013 or none): it is closed there or never existed.
 * - `rejected`: 400 and any other refusal, including 404 30004 (the channel is not configured); not retried.
 * - `unauthorized`: 401 or 403 even after a fresh token, or no token could be had for a reason retrying cannot fix.
 * Messages carry statuses, codes and ids only: never a token, a body or a phone number.
 */
export type DynamicsErrorKind = 'rate_limited' | 'unavailable' | 'not_found' | 'rejected' | 'unauthorized';

export interface DynamicsErrorInit {
  httpStatus?: number;
  /** The 300xx code Dynamics gave, wherever in the body it was. */
  dynamicsCode?: number;
  /** `x-ms-correlation-id`, for a support case with Microsoft. */
  correlationId?: string;
  retryAfterSeconds?: number;
  /** No answer: the request may have been taken anyway. */
  outcomeUnknown?: boolean;
}

export class DynamicsError extends Error {
  readonly httpStatus?: number;
  readonly dynamicsCode?: number;
  readonly correlationId?: string;
  readonly retryAfterSeconds?: number;
  readonly outcomeUnknown: boolean;

  constructor(
    readonly kind: DynamicsErrorKind,
    message: string,
    init: DynamicsErrorInit = {},
  ) {
    super(message);
    this.name = 'DynamicsError';
    this.httpStatus = init.httpStatus;
    this.dynamicsCode = init.dynamicsCode;
    this.correlationId = init.correlationId;
    this.retryAfterSeconds = init.retryAfterSeconds;
    this.outcomeUnknown = init.outcomeUnknown ?? false;
  }

  /** Safe to log as it is: the fields an operator needs to tell failures apart. */
  toLog(): Record<string, unknown> {
    return {
      kind: this.kind,
      httpStatus: this.httpStatus,
      dynamicsCode: this.dynamicsCode,
      correlationId: this.correlationId,
      retryAfterSeconds: this.retryAfterSeconds,
      outcomeUnknown: this.outcomeUnknown || undefined,
    };
  }
}

export function isDynamicsError(e: unknown): e is DynamicsError {
  return e instanceof DynamicsError;
}
