/**
 * Failures of the consumer API: an RFC 7807 body with the Dynamics error code in `errorCode`, served as
 * `application/problem+json`, and an `x-ms-correlation-id` (docs/dynamics-protocol.md §3.6). Which member carries the
 * code in the real service is not documented; the client looks for `300xx` in any member.
 */
import type { ServerResponse } from 'node:http';

import { sendJson } from '../sandboxRuntime/httpServer';
import { newGuid } from './ids';

export const CORRELATION_HEADER = 'x-ms-correlation-id';

export interface Problem {
  status: number;
  title: string;
  detail: string;
  errorCode?: number;
  headers?: Record<string, string>;
}

const TYPES: Record<number, string> = {
  400: 'https://tools.ietf.org/html/rfc9110#section-15.5.1',
  401: 'https://tools.ietf.org/html/rfc9110#section-15.5.2',
  404: 'https://tools.ietf.org/html/rfc9110#section-15.5.5',
  405: 'https://tools.ietf.org/html/rfc9110#section-15.5.6',
  413: 'https://tools.ietf.org/html/rfc9110#section-15.5.14',
  429: 'https://tools.ietf.org/html/rfc6585#section-4',
  500: 'https://tools.ietf.org/html/rfc9110#section-15.6.1',
  503: 'https://tools.ietf.org/html/rfc9110#section-15.6.4',
};

export const badInput = (errorCode: number, detail: string): Problem => ({
  status: 400,
  title: 'Bad Input',
  detail,
  errorCode,
});

export const unauthorized = (detail: string): Problem => ({
  status: 401,
  title: 'Unauthorized',
  detail,
  headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
});

export const notFound = (detail: string, errorCode?: number): Problem => ({
  status: 404,
  title: 'Not Found',
  detail,
  ...(errorCode !== undefined && { errorCode }),
});

export const conversationNotFound = (conversationId: string): Problem =>
  notFound(`Conversation ${conversationId} wasn't found or is already closed.`, 30013);

export function sendProblem(res: ServerResponse, problem: Problem, instance: string): void {
  const body = {
    type: TYPES[problem.status] ?? 'about:blank',
    title: problem.title,
    status: problem.status,
    detail: problem.detail,
    ...(problem.errorCode !== undefined && { errorCode: problem.errorCode }),
    instance,
  };
  sendJson(
    res,
    problem.status,
    body,
    { ...problem.headers, [CORRELATION_HEADER]: newGuid() },
    'application/problem+json; charset=utf-8',
  );
}

/** Successful answers carry a correlation id too: harmless, and it lets a client log one on every call. */
export function sendOk(res: ServerResponse, body: unknown): void {
  sendJson(res, 200, body, { [CORRELATION_HEADER]: newGuid() });
}
