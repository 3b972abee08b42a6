import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { Webhook, WebhookVerificationError } from 'standardwebhooks';

import { signingSecretsOf } from '../shared/webhooks/signature';

/**
 * A webhook consumer for a local run (`npm run sms -- webhooks listen`): it verifies every delivery the way a
 * subscriber would, with the Standard Webhooks specification's own `standardwebhooks` package, against the raw body
 * and the `webhook-id`, `webhook-timestamp` and `webhook-signature` headers, and reports it. It deduplicates nothing:
 * that is the consumer's job, so it only says when a `webhook-id` comes again.
 */

export interface ReceivedDelivery {
  /** The `webhook-id` header: the channel event's id, the same on every retry. */
  id: string;
  /** The `webhook-timestamp` header: when this attempt was signed. */
  timestamp: Date;
  /** The payload's `type` (empty when the payload has none). */
  type: string;
  /** The body, parsed: `{ type, timestamp, data }`. */
  payload: unknown;
  receivedAt: Date;
  /** The request's path, without its query (which may carry a credential). */
  path: string;
  /** This `webhook-id` was verified before in this run (a retry, a replay, or a duplicate delivery). */
  duplicate: boolean;
}

export interface RefusedDelivery {
  /** What was wrong, in a sentence. */
  reason: string;
  /** What the receiver answered: 401, 400, 405 or 413. */
  status: number;
  /** The `webhook-id` header when there was one (it is not verified). */
  id?: string;
  path: string;
  receivedAt: Date;
}

export interface WebhookReceiverOptions {
  /** Default 7074; 0 takes any free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** `whsec_` secrets: a delivery verified by any one of them is accepted (two while a secret is rotated). */
  secrets: readonly string[];
  /** The status to answer a verified delivery with (default 204): 500 or 410 plays a failing or a gone endpoint. */
  answer?: (delivery: ReceivedDelivery) => number;
  onDelivery?: (delivery: ReceivedDelivery) => void;
  onRefused?: (refused: RefusedDelivery) => void;
}

export interface WebhookReceiver {
  /** `http://<host>:<port>/`. */
  url: string;
  close(): Promise<void>;
}

export const DEFAULT_WEBHOOK_RECEIVER_PORT = 7074;

/** The largest body read; a larger one is answered 413 unread. */
export const MAX_WEBHOOK_BODY = 1024 * 1024;

/** How many `webhook-id`s are remembered to flag a duplicate: the most recent ones. */
const REMEMBERED_IDS = 10_000;

class TooLarge extends Error {}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > MAX_WEBHOOK_BODY) {
      reject(new TooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > MAX_WEBHOOK_BODY) {
        over = true;
        chunks.length = 0;
        reject(new TooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!over) resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

function header(req: IncomingMessage, name: string): string {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(' ') : (value ?? '');
}

function answerError(res: ServerResponse, status: number, code: string, message: string, extra = {}) {
  const body = JSON.stringify({ error: { code, message } });
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...extra,
  });
  res.end(body);
}

/** A Webhook for each secret, made now so that a malformed secret stops the receiver before it listens. */
function verifiersOf(secrets: readonly string[]): Webhook[] {
  if (secrets.length === 0) throw new Error('The webhook receiver needs at least one whsec_ signing secret.');
  return secrets.map((secret, i) => {
    const which =
      secrets.length > 1 ? `Webhook signing secret ${i + 1} of ${secrets.length}` : 'The webhook signing secret';
    // The value never appears in a message.
    if (!/^whsec_[A-Za-z0-9+/]+={0,2}$/.test(secret))
      throw new Error(`${which} is not in the Standard Webhooks form whsec_<base64 key>.`);
    return new Webhook(secret);
  });
}

export async function startWebhookReceiver(options: WebhookReceiverOptions): Promise<WebhookReceiver> {
  const verifiers = verifiersOf(options.secrets);
  const answer = options.answer ?? (() => 204);
  // A Set keeps insertion order: the first entry is the oldest.
  const seen = new Set<string>();
  const remember = (id: string) => {
    seen.add(id);
    if (seen.size > REMEMBERED_IDS) seen.delete(seen.values().next().value!);
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const receivedAt = new Date();
    const path = new URL(req.url ?? '/', 'http://receiver').pathname;
    const id = header(req, 'webhook-id') || undefined;
    const refuse = (status: number, code: string, reason: string, extra = {}) => {
      answerError(res, status, code, reason, extra);
      options.onRefused?.({ reason, status, id, path, receivedAt });
    };

    if (req.method !== 'POST') {
      req.resume();
      refuse(405, 'method_not_allowed', `${req.method} ${path}: a webhook delivery is a POST.`, { allow: 'POST' });
      return;
    }
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch (error) {
      if (!(error instanceof TooLarge)) throw error;
      // The rest of the body is read and dropped, so that the sender sees the answer rather than a reset.
      req.resume();
      refuse(413, 'payload_too_large', `The body is over ${MAX_WEBHOOK_BODY} bytes (1 MiB).`);
      return;
    }

    const headers = {
      'webhook-id': header(req, 'webhook-id'),
      'webhook-timestamp': header(req, 'webhook-timestamp'),
      'webhook-signature': header(req, 'webhook-signature'),
    };
    let failure: WebhookVerificationError | undefined;
    const verified = verifiers.some((verifier) => {
      try {
        verifier.verify(body, headers, { jsonParse: false });
        return true;
      } catch (error) {
        if (!(error instanceof WebhookVerificationError)) throw error;
        failure = error;
        return false;
      }
    });
    if (!verified) {
      refuse(401, 'signature_invalid', `Not verified: ${failure?.message ?? 'no matching signature'}.`);
      return;
    }

    let payload: unknown;
    try {
      payload = JSON.parse(body.toString('utf8'));
    } catch {
      refuse(400, 'invalid_json', 'Verified, but the body is not JSON.');
      return;
    }
    const type = (payload as { type?: unknown } | null)?.type;
    const delivery: ReceivedDelivery = {
      id: headers['webhook-id'],
      timestamp: new Date(Number(headers['webhook-timestamp']) * 1000),
      type: typeof type === 'string' ? type : '',
      payload,
      receivedAt,
      path,
      duplicate: seen.has(headers['webhook-id']),
    };
    remember(delivery.id);
    const status = answer(delivery);
    if (!Number.isInteger(status) || status < 200 || status > 599)
      throw new RangeError(`The answer for a verified delivery must be a status from 200 to 599, not ${status}.`);
    res.writeHead(status, status === 204 ? {} : { 'content-length': 0 });
    res.end();
    options.onDelivery?.(delivery);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) res.destroy();
      else answerError(res, 500, 'receiver_error', error instanceof Error ? error.message : String(error));
    });
  });
  const port = options.port ?? DEFAULT_WEBHOOK_RECEIVER_PORT;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}/`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/**
 * The signing secrets of `secretName` in LOCAL_SECRETS (a JSON object of secret name → value), as the channel reads
 * them in a local run: one `whsec_` secret, or two separated by white space while it is rotated. Every error names
 * the setting and the secret, never its value.
 */
export function localWebhookSecrets(env: Record<string, string | undefined>, secretName: string): string[] {
  const raw = env.LOCAL_SECRETS?.trim();
  let secrets: unknown;
  try {
    secrets = raw ? JSON.parse(raw) : {};
  } catch {
    throw new Error('Setting LOCAL_SECRETS is not JSON: it is an object of secret name → value.');
  }
  if (!secrets || typeof secrets !== 'object' || Array.isArray(secrets))
    throw new Error('Setting LOCAL_SECRETS is not a JSON object of secret name → value.');
  const value = (secrets as Record<string, unknown>)[secretName];
  if (typeof value !== 'string' || value.trim() === '')
    throw new Error(
      `Setting LOCAL_SECRETS (local.settings.json) holds no secret named ${secretName}: add "${secretName}": "whsec_…" ` +
        '(the built-in development one is LOCAL_WEBHOOK_SECRET in local/localSettings.ts), or give --secret-name.',
    );
  return signingSecretsOf(value);
}
