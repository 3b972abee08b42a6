import { createHash } from 'node:crypto';

import { normalizeReferenceId } from '../domain/referenceId';

/**
 * Event ids are derived from the Telesign fields that identify the event, so a retried callback gets the same id
 * (Service Bus duplicate detection within its window, the router's marker beyond it) while a new status for the
 * same reference gets a new one.
 */
function digest(...parts: string[]): string {
  return createHash('sha256').update(parts.join('|')).digest('hex').slice(0, 40);
}

export function messageReceivedEventId(account: string, referenceId: string): string {
  return 'mo-' + digest('mo', account.toLowerCase(), normalizeReferenceId(referenceId));
}

export function deliveryReportedEventId(
  account: string,
  referenceId: string,
  statusCode: number,
  updatedOnRaw: string,
): string {
  return (
    'dr-' + digest('dr', account.toLowerCase(), normalizeReferenceId(referenceId), String(statusCode), updatedOnRaw)
  );
}

export function unrecognizedEventId(account: string, rawBody: string): string {
  return 'cb-' + digest('cb', account.toLowerCase(), rawBody);
}

/** A delivery report names no phone number, so its thread is unknown here; its reference keeps its reports in order. */
export function deliveryReportSessionId(referenceId: string): string {
  const ref = normalizeReferenceId(referenceId);
  // Session ids are at most 128 characters; an odd reference is hashed rather than trusted as a key.
  return /^[A-Z0-9]{1,64}$/.test(ref) ? 'ref-' + ref : 'ref-' + digest('ref', ref);
}
