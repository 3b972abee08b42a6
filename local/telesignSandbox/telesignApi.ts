/**
 * Telesign's own routes: `POST /v1/messaging` and `GET /v1/messaging/{reference_id}`. A queued fault is played on
 * the next `POST /v1/messaging`; the fault switch, while on, on every `/v1/` request, as an outage would.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import { type Logger, maskPhone } from '../../shared/log';
import { BodyTooLargeError, readBody, safeDecode, sendJson } from '../sandboxRuntime/httpServer';
import type { Accounts } from './accounts';
import { describeFault, type FaultQueue, type FaultSwitch, playFault } from './faults';
import type { MessageStore } from './messageStore';
import type { NonceStore } from './nonceStore';
import { verifyRequestAuth } from './requestAuth';
import { validateSend } from './sendValidation';
import { authErrorBody, newReferenceId, notFoundBody, rfc3339, statusBody } from './telesignBodies';
import type { SentMessage } from './types';

export interface TelesignApiDeps {
  accounts: Accounts;
  nonces: NonceStore;
  dateToleranceMs: number;
  store: MessageStore;
  faults: FaultQueue;
  faultSwitch: FaultSwitch;
  logger: Logger;
  /** Called once a send is accepted, to schedule its delivery reports. */
  onAccepted(message: SentMessage): void;
}

const MESSAGING = '/v1/messaging';
const STATUS_PATH = /^\/v1\/messaging\/([^/]+)$/;

export async function handleTelesign(
  deps: TelesignApiDeps,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<void> {
  const method = req.method ?? 'GET';
  // A queued fault goes first, and only on a send; the switch then catches every request under /v1/.
  const fault = (path === MESSAGING && method === 'POST' && deps.faults.next()) || deps.faultSwitch.current();
  if (fault) {
    deps.logger.info('telesign sandbox: playing fault', { fault: describeFault(fault), path });
    return playFault(fault, req, res);
  }
  if (path === MESSAGING) {
    if (method !== 'POST') return sendJson(res, 405, notFoundBody('Method not allowed.'), { Allow: 'POST' });
    return send(deps, req, res, path);
  }
  const status = STATUS_PATH.exec(path);
  if (status) {
    if (method !== 'GET') return sendJson(res, 405, notFoundBody('Method not allowed.'), { Allow: 'GET' });
    return getStatus(deps, req, res, path, safeDecode(status[1]));
  }
  return sendJson(res, 404, notFoundBody('Resource not found.'));
}

/** Reads the body and checks auth; answers and returns undefined when the request is refused. */
async function authenticate(deps: TelesignApiDeps, req: IncomingMessage, res: ServerResponse, path: string) {
  let body: Buffer;
  try {
    body = await readBody(req);
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      sendJson(res, 413, notFoundBody('Request body too large.'), { Connection: 'close' });
      return undefined;
    }
    throw error;
  }
  const auth = verifyRequestAuth(
    { method: req.method ?? 'GET', path, headers: req.headers, body },
    {
      apiKeyFor: (id) => deps.accounts.apiKeyFor(id),
      now: Date.now(),
      dateToleranceMs: deps.dateToleranceMs,
      nonces: deps.nonces,
    },
  );
  if (!auth.ok) {
    deps.logger.warn('telesign sandbox: request refused', { path, reason: auth.reason, customerId: auth.customerId });
    sendJson(res, 401, authErrorBody(auth.reason));
    return undefined;
  }
  return { customerId: auth.customerId, body };
}

async function send(deps: TelesignApiDeps, req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  const authed = await authenticate(deps, req, res, path);
  if (!authed) return;
  // A body of another type carries no form fields: Telesign then reports them missing.
  const isForm = (req.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
  const form = new URLSearchParams(isForm ? authed.body.toString('utf8') : '');
  const validation = validateSend(form);
  if (!validation.ok) {
    const [first] = validation.errors;
    deps.logger.info('telesign sandbox: send rejected', { codes: validation.errors.map((e) => e.code) });
    // Telesign gives even a rejected request a reference id; it is not kept, so a status GET answers 404.
    return sendJson(res, 400, statusBody(newReferenceId(), first.code, first.description, validation.errors));
  }
  const { fields } = validation;
  const referenceId = newReferenceId();
  const receivedAt = rfc3339();
  const message: SentMessage = {
    referenceId,
    customerId: authed.customerId,
    phoneNumber: fields.phoneNumber,
    message: fields.message,
    messageType: fields.messageType,
    ...(fields.senderId !== undefined && { senderId: fields.senderId }),
    ...(fields.externalId !== undefined && { externalId: fields.externalId }),
    receivedAt,
    reports: [],
  };
  deps.store.add(message, { code: 290, description: 'Message in progress', updatedOn: receivedAt });
  deps.logger.info('telesign sandbox: send accepted', { referenceId, to: maskPhone(fields.phoneNumber) });
  sendJson(res, 200, statusBody(referenceId, 290, 'Message in progress'));
  deps.onAccepted(message);
}

async function getStatus(
  deps: TelesignApiDeps,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  referenceId: string,
): Promise<void> {
  const authed = await authenticate(deps, req, res, path);
  if (!authed) return;
  const found = deps.store.status(referenceId);
  // Another account's message is as unknown as a missing one.
  if (!found || found.customerId !== authed.customerId) {
    return sendJson(res, 404, { reference_id: referenceId, ...notFoundBody('Reference ID not found.') });
  }
  return sendJson(res, 200, {
    reference_id: found.referenceId,
    status: { code: found.status.code, description: found.status.description, updated_on: found.status.updatedOn },
  });
}
