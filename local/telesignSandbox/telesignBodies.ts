/**
 * Telesign-shaped JSON bodies: `{ reference_id?, status: {code, description, updated_on}, errors: [...] }`.
 * Where docs/telesign-protocol.md gives no code (auth sub-codes, not-found, rate limit: §The local sandbox), the
 * values below are the sandbox's own choice: clients must key off the HTTP status and `status.code`, not these.
 */
import { randomBytes } from 'node:crypto';

import type { AuthFailure } from './requestAuth';

export interface TelesignError {
  code: number;
  description: string;
}

export interface TelesignStatus {
  code: number;
  description: string;
  updated_on: string;
}

export interface TelesignBody {
  reference_id?: string;
  status?: TelesignStatus;
  errors?: TelesignError[];
}

/** RFC 3339 in UTC, as Telesign's JSON bodies carry it. */
export function rfc3339(at: Date = new Date()): string {
  return at.toISOString();
}

/** 32 upper-case hex digits, the form Telesign's examples use. */
export function newReferenceId(): string {
  return randomBytes(16).toString('hex').toUpperCase();
}

export function statusBody(
  referenceId: string | undefined,
  code: number,
  description: string,
  errors?: TelesignError[],
): TelesignBody {
  const body: TelesignBody = {};
  if (referenceId !== undefined) body.reference_id = referenceId;
  body.status = { code, description, updated_on: rfc3339() };
  if (errors) body.errors = errors;
  return body;
}

const AUTH_ERRORS: Record<AuthFailure, TelesignError> = {
  missing_authorization: { code: -30007, description: "Missing required 'Authorization' header." },
  malformed_authorization: { code: -30008, description: "Invalid 'Authorization' header." },
  unknown_customer: { code: -30000, description: 'Invalid Customer ID.' },
  invalid_signature: { code: -30006, description: 'Invalid Signature.' },
  missing_date: { code: -30010, description: "Missing required 'Date' header." },
  invalid_date: { code: -30011, description: "Invalid 'Date' header." },
  date_out_of_range: { code: -30012, description: "'Date' header is outside the accepted time window." },
  invalid_auth_method: { code: -30013, description: "Invalid 'x-ts-auth-method' header." },
  missing_nonce: { code: -30014, description: "Missing required 'x-ts-nonce' header." },
  nonce_reused: { code: -30015, description: "'x-ts-nonce' was already used." },
};

/** 401 body; status 10008 is the real-world body quoted in docs/telesign-protocol.md §Messaging API. */
export function authErrorBody(reason: AuthFailure): TelesignBody {
  return statusBody(undefined, 10008, 'Invalid Signature.', [AUTH_ERRORS[reason]]);
}

export function notFoundBody(description: string): TelesignBody {
  return { errors: [{ code: -40004, description }] };
}
