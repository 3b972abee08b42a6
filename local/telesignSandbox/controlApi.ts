/**
 * Control routes for humans and the CLI, under `/sandbox/` so they can never be mistaken for Telesign's `/v1/`
 * routes. No auth: the sandbox listens on 127.0.0.1 by default.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import { z } from 'zod';

import { BodyTooLargeError, readBody, sendJson } from '../sandboxRuntime/httpServer';
import type { Fault, InboundInput, InboundResult, SentMessage } from './types';

export const CONTROL_PREFIX = '/sandbox/';

export interface ControlApiDeps {
  sent(): SentMessage[];
  simulateInbound(input: InboundInput): Promise<InboundResult>;
  injectFaults(faults: Fault[]): void;
  faultSwitch(): Fault | null;
  setFaultSwitch(fault: Fault | null): void;
}

const inboundSchema = z.object({
  from: z.string().regex(/^\d{8,15}$/, 'digits with country code'),
  // May be empty: Telesign sometimes sends an empty sender_id (docs/telesign-protocol.md §Inbound SMS).
  to: z.string(),
  text: z.string(),
  customerId: z.string().min(1).optional(),
});

const faultSchema = z.union([
  z
    .object({
      status: z.union([z.literal(429), z.literal(500), z.literal(503)]),
      retryAfterSeconds: z.number().int().nonnegative().optional(),
    })
    .strict(),
  z.object({ hang: z.literal(true) }).strict(),
  z.object({ dropConnection: z.literal(true) }).strict(),
]);
const faultsSchema = z.array(faultSchema);
const faultSwitchSchema = z.object({ fault: faultSchema.nullable() }).strict();

export async function handleControl(
  deps: ControlApiDeps,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<void> {
  const route = `${req.method ?? 'GET'} ${path}`;
  if (route === 'GET /sandbox/messages') return sendJson(res, 200, deps.sent());
  if (route === 'POST /sandbox/inbound') {
    const input = await parseJson(req, res, inboundSchema);
    if (!input) return;
    try {
      return sendJson(res, 200, await deps.simulateInbound(input));
    } catch (error) {
      return sendJson(res, 409, { error: error instanceof Error ? error.message : 'inbound failed' });
    }
  }
  if (route === 'POST /sandbox/faults') {
    const faults = await parseJson(req, res, faultsSchema);
    if (!faults) return;
    deps.injectFaults(faults);
    return sendJson(res, 200, { queued: faults.length });
  }
  if (route === 'GET /sandbox/fault-switch') return sendJson(res, 200, { fault: deps.faultSwitch() });
  if (route === 'PUT /sandbox/fault-switch') {
    const body = await parseJson(req, res, faultSwitchSchema);
    if (!body) return;
    deps.setFaultSwitch(body.fault);
    return sendJson(res, 200, { fault: deps.faultSwitch() });
  }
  return sendJson(res, 404, { error: `no control route ${route}` });
}

/** Answers 400/413 itself and returns undefined when the body is not what the schema wants. */
async function parseJson<T>(req: IncomingMessage, res: ServerResponse, schema: z.ZodType<T>): Promise<T | undefined> {
  let raw: Buffer;
  try {
    raw = await readBody(req);
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error;
    sendJson(res, 413, { error: 'body too large' }, { Connection: 'close' });
    return undefined;
  }
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    sendJson(res, 400, { error: 'body is not JSON', message: 'the body must be a JSON document' });
    return undefined;
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    sendJson(res, 400, {
      error: 'invalid body',
      message: issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; '),
      issues,
    });
    return undefined;
  }
  return parsed.data;
}
