/**
 * The body of `POST /conversation/create` (docs/dynamics-protocol.md §3.1), checked field by field. `startmessage` and
 * `skipdeflectionbot` are taken at the top level (the example) or under `customercontext` (the table); the top
 * level wins when both are given.
 */
import { badInput, type Problem } from './problem';

export const CUSTOMER_FIELDS = [
  'customerid',
  'firstname',
  'lastname',
  'preferredname',
  'email',
  'phonenumber',
] as const;
export const MAX_CUSTOMER_FIELD = 200;
export const MAX_CONTEXT_ENTRIES = 100;
export const MAX_START_MESSAGE_BYTES = 27 * 1024;

export interface StartMessage {
  message: string;
  displayname?: string;
}

export interface CreateRequest {
  customerContext: Record<string, string>;
  /** name → the entry's `value`, in the order given. */
  context: Array<[string, unknown]>;
  conversationRequestId?: string;
  startMessage?: StartMessage;
  skipDeflectionBot?: boolean;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: Problem };

const malformed = (detail: string): { ok: false; problem: Problem } => ({
  ok: false,
  problem: badInput(30012, detail),
});

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseCreate(body: unknown): Parsed<CreateRequest> {
  if (!isObject(body)) return malformed('The request body must be a JSON object.');
  const customer = body.customercontext ?? {};
  if (!isObject(customer)) return malformed('customercontext must be an object.');

  const customerContext: Record<string, string> = {};
  for (const field of CUSTOMER_FIELDS) {
    const value = customer[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') return malformed(`customercontext.${field} must be a string.`);
    if (value.length > MAX_CUSTOMER_FIELD) {
      return malformed(`customercontext.${field} is longer than ${MAX_CUSTOMER_FIELD} characters.`);
    }
    customerContext[field] = value;
  }

  const context = parseContext(body.conversationcontext);
  if (!context.ok) return context;

  const start = parseStartMessage(body.startmessage ?? customer.startmessage);
  if (!start.ok) return start;

  const skip = body.skipdeflectionbot ?? customer.skipdeflectionbot;
  if (skip !== undefined && skip !== null && typeof skip !== 'boolean') {
    return malformed('skipdeflectionbot must be a boolean.');
  }

  const requestId = body.conversationrequestid;
  if (requestId !== undefined && requestId !== null && typeof requestId !== 'string') {
    return malformed('conversationrequestid must be a string.');
  }

  return {
    ok: true,
    value: {
      customerContext,
      context: context.value,
      ...(typeof requestId === 'string' && requestId !== '' && { conversationRequestId: requestId }),
      ...(start.value && { startMessage: start.value }),
      ...(typeof skip === 'boolean' && { skipDeflectionBot: skip }),
    },
  };
}

function parseContext(raw: unknown): Parsed<Array<[string, unknown]>> {
  if (raw === undefined || raw === null) return { ok: true, value: [] };
  if (!isObject(raw)) return malformed('conversationcontext must be an object of {isDisplayable, value} entries.');
  const entries = Object.entries(raw);
  if (entries.length > MAX_CONTEXT_ENTRIES) {
    return {
      ok: false,
      problem: badInput(
        30010,
        `conversationcontext has ${entries.length} entries; the maximum is ${MAX_CONTEXT_ENTRIES}.`,
      ),
    };
  }
  for (const [name, entry] of entries) {
    if (!isObject(entry) || !('value' in entry)) {
      return malformed(`conversationcontext.${name} must be an object with a value.`);
    }
    if (entry.isDisplayable !== undefined && typeof entry.isDisplayable !== 'boolean') {
      return malformed(`conversationcontext.${name}.isDisplayable must be a boolean.`);
    }
  }
  return { ok: true, value: entries.map(([name, entry]) => [name, (entry as { value: unknown }).value]) };
}

function parseStartMessage(raw: unknown): Parsed<StartMessage | undefined> {
  if (raw === undefined || raw === null) return { ok: true, value: undefined };
  if (!isObject(raw)) return malformed('startmessage must be an object {message, displayname}.');
  if (typeof raw.message !== 'string' || raw.message === '') {
    return malformed('startmessage.message must be a non-empty string.');
  }
  if (raw.displayname !== undefined && raw.displayname !== null && typeof raw.displayname !== 'string') {
    return malformed('startmessage.displayname must be a string.');
  }
  const value: StartMessage = {
    message: raw.message,
    ...(typeof raw.displayname === 'string' && { displayname: raw.displayname }),
  };
  if (Buffer.byteLength(JSON.stringify(value), 'utf8') > MAX_START_MESSAGE_BYTES) {
    return malformed('startmessage is larger than 27 KB.');
  }
  return { ok: true, value };
}
