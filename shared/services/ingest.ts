import type { InboundEventType } from '../domain/inboundEvent';
import { parseMessageId } from '../domain/thread';
import { isAppError } from '../errors';
import type { Logger } from '../log';
import { maskPhone } from '../log';
import { failure, type Outcome, success } from '../outcome';
import type { EventPublisher } from '../queue/eventPublisher';
import { parseCallback } from '../telesign/callbackParser';
import type { CallbackVerifier } from '../telesign/callbackVerifier';

/** docs/architecture.md §Contracts: a callback body is at most 64 KiB. */
export const CALLBACK_MAX_BYTES = 64 * 1024;

export interface CallbackInput {
  rawBody: Buffer;
  authorization?: string | null;
  xTsAuthorization?: string | null;
}

export interface IngestDeps {
  verifier: CallbackVerifier;
  publisher: EventPublisher;
  logger: Logger;
  now: () => Date;
}

export interface Ingested {
  eventId: string;
  type: InboundEventType;
}

/**
 * Verify, parse, queue — and nothing else: Telesign waits for our answer, and the router does the storage work.
 * Any answer but 200 makes Telesign retry, so every failure before the event is safely queued is a non-200.
 */
export async function ingestCallback(input: CallbackInput, deps: IngestDeps): Promise<Outcome<Ingested>> {
  const { rawBody } = input;
  if (rawBody.length > CALLBACK_MAX_BYTES) {
    deps.logger.warn('callback refused: body too large', { bytes: rawBody.length });
    return failure(
      'payload_too_large',
      `The callback body is ${rawBody.length} bytes; at most ${CALLBACK_MAX_BYTES} are accepted.`,
    );
  }

  try {
    const verified = await deps.verifier.verify(rawBody, input.authorization, input.xTsAuthorization);
    if (!verified.ok) {
      deps.logger.warn('callback refused: not authentic', { reason: verified.reason });
      return failure(
        'invalid_signature',
        `The callback is not signed by a configured Telesign account: ${verified.reason}.`,
      );
    }

    const text = rawBody.toString('utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      deps.logger.warn('callback refused: body is not JSON', { account: verified.account.customerId });
      return failure('invalid_json', 'The callback body is not valid JSON.');
    }

    const queued = parseCallback(text, json, { account: verified.account, receivedAt: deps.now().toISOString() });
    await deps.publisher.publish(queued);
    const { event } = queued;
    deps.logger.info('callback queued', {
      type: event.type,
      eventId: event.eventId,
      sessionId: queued.sessionId,
      ...(event.type === 'message.received'
        ? { referenceId: event.referenceId, from: maskPhone(event.from), to: maskPhone(event.to) }
        : {}),
      ...(event.type === 'delivery.reported'
        ? {
            referenceId: event.referenceId,
            statusCode: event.statusCode,
            // Telesign may echo the send's external_id, our message id (docs/operations.md, "The ids, and where each one travels"): then
            // this line names the message too. Anything else in it is not ours to name.
            ...(event.externalId !== undefined && parseMessageId(event.externalId)
              ? { messageId: event.externalId }
              : {}),
          }
        : {}),
      ...(event.type === 'callback.unrecognized' ? { reason: event.reason } : {}),
    });
    return success({ eventId: event.eventId, type: event.type });
  } catch (error) {
    if (isAppError(error)) {
      deps.logger.error('callback not queued; Telesign will retry', { code: error.code });
      return { ok: false, error };
    }
    throw error;
  }
}
