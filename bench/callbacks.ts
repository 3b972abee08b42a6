import { createHmac } from 'node:crypto';

import { SANDBOX_ACCOUNT } from '../local/localSettings';
import type { TelesignAccount } from '../shared/config';
import type { InboundEvent, QueuedEvent } from '../shared/domain/inboundEvent';
import { parseCallback } from '../shared/telesign/callbackParser';

/** Telesign's callbacks as it sends them, signed with the sandbox account's key. */
const support = SANDBOX_ACCOUNT.supportNumber;

/**
 * A fictional customer number of pool `pool` (0–3): 1-555-56x-xxxx … 1-555-59x-xxxx, never a sandbox test number
 * (555-01xx), 100,000 per pool.
 */
export const customerNumber = (pool: number, k: number) => `15555${6 + pool}${String(k % 100_000).padStart(5, '0')}`;

/**
 * Customer `k` (0–99) of the numbers the Telesign sandbox never sends a delivery report for: those ending in
 * 0155 (local/telesignSandbox/index.ts), 1-555-6kk-0155 here, apart from every pool above.
 */
export const unreportedCustomerNumber = (k: number) => `15556${String(k % 100).padStart(2, '0')}0155`;

/** A reference id from a tag (2 hex characters) and a number: 32 hex characters, unique per (tag, n). */
export const referenceOf = (tag: string, n: number) => `${tag}${String(n).padStart(12, '0')}`.padEnd(32, '0');

export const inboundSms = (phoneNumber: string, text: string, referenceId: string) =>
  JSON.stringify({
    status: { updated_on: new Date().toISOString(), code: 1500, description: 'Delivered to customer' },
    submit_timestamp: new Date().toISOString(),
    errors: [],
    user_response: { phone_number: phoneNumber, iso_country_code: 'US', sender_id: support, mo_message: text },
    sub_resource: 'mo_sms',
    reference_id: referenceId,
  });

/** `externalId`: the send's `external_id` echoed, which Telesign may do (docs/telesign-protocol.md: UNCONFIRMED). */
export const deliveryReport = (referenceId: string, code: number, updatedOn: string, externalId?: string) =>
  JSON.stringify({
    status: { code, description: code === 200 ? 'Delivered to handset' : 'Message in progress', updated_on: updatedOn },
    errors: [],
    sub_resource: 'sms',
    reference_id: referenceId,
    ...(externalId === undefined ? {} : { external_id: externalId }),
  });

export function signedHeaders(body: string): Record<string, string> {
  const signature = createHmac('sha256', Buffer.from(SANDBOX_ACCOUNT.apiKey, 'base64')).update(body).digest('base64');
  return {
    'content-type': 'application/json',
    authorization: `TSA ${SANDBOX_ACCOUNT.customerId}:${signature}`,
    'x-ts-authorization': signature,
  };
}

/** POSTs a body to a channel's Telesign callback, signed; throws unless answered 200. */
export function callbackPoster(baseUrl: string) {
  const callbackUrl = `${baseUrl}/api/telesign/callback`;
  return async (body: string) => {
    const response = await fetch(callbackUrl, { method: 'POST', headers: signedHeaders(body), body });
    if (response.status !== 200) throw new Error(`callback answered ${response.status}`);
    await response.arrayBuffer();
  };
}

/** The event the ingest service would queue for this body (the router's input, without the queue). */
export function eventOf(body: string, account: TelesignAccount): InboundEvent {
  return queuedOf(body, account).event;
}

/** What the ingest service would publish for this body: the event, its message id and session. */
export function queuedOf(body: string, account: TelesignAccount): QueuedEvent {
  return parseCallback(body, JSON.parse(body), { account, receivedAt: new Date().toISOString() });
}
