import { z } from 'zod';

import { normalizePhone } from '../domain/phone';
import { estimateSegments, type SegmentEstimate } from '../domain/segments';
import { validateText } from '../domain/text';
import { type MessageOrigin, parseConversationId } from '../domain/thread';
import { failure, type Outcome, success } from '../outcome';

/**
 * `POST /api/messages`: a reply in a conversation (`conversationId`), or a first message to a customer
 * (`to`, and `from` = one of our numbers). Validation happens before anything is stored or sent.
 */
export const sendRequestSchema = z.union([
  z.strictObject({
    conversationId: z.string().min(1),
    text: z.string(),
    maxSegments: z.number().int().positive().optional(),
  }),
  z.strictObject({
    to: z.string().min(1),
    from: z.string().min(1).optional(),
    text: z.string(),
    maxSegments: z.number().int().positive().optional(),
  }),
]);

export type SendTarget =
  | { kind: 'conversation'; threadId: string; n: number; conversationId: string }
  | { kind: 'customer'; to: string; from?: string };

export interface SendCommand {
  target: SendTarget;
  text: string;
  estimate: SegmentEstimate;
  idempotencyKey?: string;
  /** Who asks; absent, the HTTP API. Not part of the fingerprint: the same key from elsewhere is the same send. */
  origin?: MessageOrigin;
  /** Stable digest of what was asked, so a reused idempotency key with another request is refused. */
  fingerprint: string;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

export function parseSendRequest(body: unknown, idempotencyKey: string | null | undefined): Outcome<SendCommand> {
  if (typeof body === 'object' && body !== null && 'text' in body) {
    const text = validateText((body as { text: unknown }).text);
    if (!text.ok) return failure('text_invalid', text.message);
  }
  const parsed = sendRequestSchema.safeParse(body);
  if (!parsed.success) {
    return failure(
      'invalid_request',
      'The request must be { conversationId, text } or { to, from, text }, with an optional maxSegments.',
      {
        issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      },
    );
  }
  const request = parsed.data;
  const text = validateText(request.text);
  if (!text.ok) return failure('text_invalid', text.message);
  if (idempotencyKey !== undefined && idempotencyKey !== null && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
    return failure('invalid_request', 'The Idempotency-Key header must be 1 to 200 visible ASCII characters.');
  }

  let target: SendTarget;
  if ('conversationId' in request) {
    const id = parseConversationId(request.conversationId);
    if (!id)
      return failure('conversation_not_found', `There is no conversation ${JSON.stringify(request.conversationId)}.`);
    target = { kind: 'conversation', ...id, conversationId: request.conversationId };
  } else {
    const to = normalizePhone(request.to);
    if (!to.ok) return failure('phone_invalid', `to: ${to.message}`);
    let from: string | undefined;
    if (request.from !== undefined) {
      const parsedFrom = normalizePhone(request.from);
      from = parsedFrom.ok ? parsedFrom.digits : request.from.replace(/\D/g, '');
      if (!from) return failure('phone_invalid', `from: ${parsedFrom.ok ? '' : parsedFrom.message}`);
    }
    target = { kind: 'customer', to: to.digits, from };
  }

  const estimate = estimateSegments(text.text);
  if (request.maxSegments !== undefined && estimate.segments > request.maxSegments) {
    return failure(
      'too_many_segments',
      `The text needs ${estimate.segments} ${estimate.encoding} segments; at most ${request.maxSegments} were allowed.`,
      {
        segments: estimate.segments,
        encoding: estimate.encoding,
        ucs2Characters: estimate.ucs2Characters,
        maxSegments: request.maxSegments,
      },
    );
  }

  const fingerprint = JSON.stringify([
    target.kind === 'conversation' ? target.conversationId : [target.to, target.from ?? null],
    text.text,
  ]);
  return success({ target, text: text.text, estimate, idempotencyKey: idempotencyKey ?? undefined, fingerprint });
}
