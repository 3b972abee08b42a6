import { Webhook } from 'standardwebhooks';

/**
 * The Standard Webhooks signature of one delivery attempt, made by the specification's own library so that a
 * subscriber verifying with any of its libraries (Node, C#, Python…) agrees with us byte for byte.
 */

/** A type rather than an interface, so that it is a plain `Record<string, string>` for fetch and verifiers. */
export type SignedHeaders = {
  'webhook-id': string;
  /** Seconds since the epoch. */
  'webhook-timestamp': string;
  /** `v1,<base64>` for each secret, space-separated. */
  'webhook-signature': string;
};

export class WebhookSecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookSecretError';
  }
}

/**
 * `whsec_` and the key in standard base64. The specification asks for random keys of 24 to 64 bytes: a shorter
 * one is too weak, and a longer one adds nothing (HMAC-SHA256 hashes a key past its 64-byte block down to 32).
 */
const SECRET_FORM = /^whsec_((?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?)$/;
const MIN_KEY_BYTES = 24;
const MAX_KEY_BYTES = 64;

/** The value never appears in a message: it is a secret, and the messages reach logs. */
function checkSecret(secret: string, index: number, count: number): void {
  const which = count > 1 ? `Webhook signing secret ${index + 1} of ${count}` : 'The webhook signing secret';
  const match = SECRET_FORM.exec(secret);
  if (!match) {
    throw new WebhookSecretError(
      `${which} is not in the Standard Webhooks form whsec_<base64 key> (for example, whsec_ followed by 32 random bytes in base64).`,
    );
  }
  const bytes = Buffer.from(match[1], 'base64').length;
  if (bytes < MIN_KEY_BYTES || bytes > MAX_KEY_BYTES) {
    throw new WebhookSecretError(
      `${which} holds a ${bytes}-byte key; the Standard Webhooks specification asks for ${MIN_KEY_BYTES} to ${MAX_KEY_BYTES} bytes.`,
    );
  }
}

/**
 * What a signing secret's setting holds: one `whsec_` secret, or two separated by white space while it is rotated
 * (docs/webhooks.md §Settings). The sender signs with each, a receiver accepts either.
 */
export const signingSecretsOf = (value: string): string[] => value.trim().split(/\s+/);

/** What a header may carry without being rejected or split by the HTTP client; channel event ids are far inside it. */
const HEADER_SAFE_ID = /^[\x21-\x7e]{1,255}$/;

/**
 * The headers of one attempt. `timestamp` is the attempt's time, not the event's: subscribers refuse a signature
 * more than a few minutes old, so every retry is signed anew, under the same `id`. While a secret is rotated both
 * are given, and a subscriber holding either one verifies the delivery.
 */
export function signDelivery({
  id,
  timestamp,
  body,
  secrets,
}: {
  id: string;
  timestamp: Date;
  body: string;
  secrets: readonly string[];
}): SignedHeaders {
  if (!HEADER_SAFE_ID.test(id)) {
    throw new RangeError('A webhook id is 1 to 255 visible ASCII characters, without spaces.');
  }
  if (Number.isNaN(timestamp.getTime())) throw new RangeError('The webhook timestamp is not a valid date.');
  if (secrets.length === 0) throw new WebhookSecretError('A webhook delivery needs at least one signing secret.');
  secrets.forEach((s, i) => checkSecret(s, i, secrets.length));
  const distinct = [...new Set(secrets)];
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
    'webhook-signature': distinct.map((s) => new Webhook(s).sign(id, timestamp, body)).join(' '),
  };
}
