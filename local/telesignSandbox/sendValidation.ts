/** Field validation of `POST /v1/messaging`, with the error codes of docs/telesign-protocol.md §Messaging API. */
import type { TelesignError } from './telesignBodies';

export interface SendFields {
  phoneNumber: string;
  message: string;
  messageType: string;
  senderId?: string;
  externalId?: string;
}

export type SendValidation = { ok: true; fields: SendFields } | { ok: false; errors: TelesignError[] };

const MESSAGE_TYPES = new Set(['ARN', 'OTP', 'MKT']);
// Country code + national number, digits only: E.164 allows at most 15, and nothing real is shorter than 8.
const PHONE = /^\d{8,15}$/;
const MAX_MESSAGE_CHARS = 1600;
const MAX_SENDER_ID_CHARS = 20;

/** Characters as people count them (code points), so an emoji is one, not two UTF-16 units. */
function charCount(value: string): number {
  return Array.from(value).length;
}

function present(form: URLSearchParams, name: string): string | undefined {
  const value = form.get(name);
  return value === null || value === '' ? undefined : value;
}

export function validateSend(form: URLSearchParams): SendValidation {
  const errors: TelesignError[] = [];
  const phoneNumber = present(form, 'phone_number');
  const message = present(form, 'message');
  const messageType = present(form, 'message_type');
  const senderId = present(form, 'sender_id');
  const externalId = present(form, 'external_id');
  const callbackUrl = present(form, 'callback_url');

  if (phoneNumber === undefined) errors.push({ code: 12000, description: 'Missing required parameter phone_number.' });
  else if (!PHONE.test(phoneNumber))
    errors.push({ code: 11000, description: 'Invalid value for parameter phone_number.' });

  if (message === undefined) errors.push({ code: 12009, description: 'Missing required parameter message.' });
  else if (charCount(message) > MAX_MESSAGE_CHARS)
    errors.push({ code: 11009, description: 'Invalid value for parameter message.' });

  if (messageType === undefined) errors.push({ code: 12017, description: 'Missing required parameter message_type.' });
  else if (!MESSAGE_TYPES.has(messageType))
    errors.push({ code: 11017, description: 'Invalid value for parameter message_type.' });

  if (senderId !== undefined && charCount(senderId) > MAX_SENDER_ID_CHARS) {
    errors.push({ code: 11013, description: 'Invalid value for parameter sender_id.' });
  }
  // Accepted but not honoured: whether it overrides the account's callback URL is unconfirmed
  // (docs/telesign-protocol.md §Unconfirmed).
  if (callbackUrl !== undefined && !isHttpUrl(callbackUrl)) {
    errors.push({ code: 11004, description: 'Invalid value for parameter callback_url.' });
  }

  if (errors.length > 0 || phoneNumber === undefined || message === undefined || messageType === undefined) {
    return { ok: false, errors };
  }
  return { ok: true, fields: { phoneNumber, message, messageType, senderId, externalId } };
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}
