/**
 * Telesign status codes (docs/telesign-protocol.md §Status codes). Only the documented codes are listed; the rest
 * classify by rule.
 */
import type { MessageStatus } from '../domain/deliveryStatus';

export type TelesignStatusClass = 'delivered' | 'failed' | 'expired' | 'unknown' | 'intermediate' | 'inbound';

const telesignStatusCodes: Readonly<Record<number, { class: TelesignStatusClass; meaning: string }>> = {
  200: { class: 'delivered', meaning: 'Delivered to handset' },
  203: { class: 'intermediate', meaning: 'Delivered to gateway' },
  207: { class: 'failed', meaning: 'Error delivering SMS to handset (reason unknown)' },
  210: { class: 'failed', meaning: 'Temporary phone error (phone off, memory full)' },
  211: { class: 'failed', meaning: 'Permanent phone error' },
  220: { class: 'failed', meaning: 'Gateway/network cannot route message' },
  221: { class: 'expired', meaning: 'Message expired before delivery' },
  222: { class: 'failed', meaning: 'SMS not supported by phone, carrier, plan or user' },
  229: { class: 'failed', meaning: 'Message blocked by your request' },
  230: { class: 'failed', meaning: 'Message blocked by Telesign (global blocklist)' },
  231: { class: 'failed', meaning: 'Invalid/unsupported content' },
  233: { class: 'failed', meaning: 'Blocked due to high risk score' },
  237: { class: 'failed', meaning: 'Blocked in requested country' },
  238: { class: 'failed', meaning: 'Destination blocked by prefix' },
  250: { class: 'unknown', meaning: 'Final status unknown' },
  251: { class: 'unknown', meaning: 'Sent, but no delivery receipt received' },
  290: { class: 'intermediate', meaning: 'Message in progress' },
  1500: { class: 'inbound', meaning: 'Inbound message delivered to you' },
};

export function classifyStatusCode(code: number): TelesignStatusClass {
  const known = Object.hasOwn(telesignStatusCodes, code) ? telesignStatusCodes[code] : undefined;
  if (known) return known.class;
  // Undocumented codes exist: the 29x family is "in progress", anything else we cannot call.
  if (Number.isInteger(code) && code >= 290 && code <= 299) return 'intermediate';
  return 'unknown';
}

/**
 * The outbound message status a code stands for. 1500 belongs to inbound messages and never describes an
 * outbound one, so a report carrying it says nothing we can trust: `unknown`.
 */
export function statusFromCode(code: number): MessageStatus {
  const cls = classifyStatusCode(code);
  switch (cls) {
    case 'intermediate':
      return 'sent';
    case 'inbound':
      return 'unknown';
    default:
      return cls;
  }
}
