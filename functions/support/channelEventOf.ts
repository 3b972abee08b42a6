import type { InvocationContext } from '@azure/functions';

import { parseChannelEventBody } from '../../shared/domain/channelEventBody';
import type { ChannelEvent } from '../../shared/domain/channelEvents';
import type { Logger } from '../../shared/log';

/**
 * A subscription's message as the channel event it carries, for the reactions that read the topic. Not a channel
 * event at all: thrown, so Service Bus redelivers and finally dead-letters it, with the reason logged. A type this
 * reader does not know (a newer publisher): undefined, and the reaction completes it without acting.
 */
export function channelEventOf(message: unknown, ctx: InvocationContext, logger: Logger): ChannelEvent | undefined {
  let body;
  try {
    body = parseChannelEventBody(message);
  } catch (error) {
    logger.error('channel event refused: not valid; it will be redelivered, then dead-lettered', {
      messageId: ctx.triggerMetadata?.messageId,
      reason: error instanceof Error ? error.message.slice(0, 500) : 'unknown',
    });
    throw error;
  }
  if (body.known) return body.event;
  logger.info('channel event of an unknown type skipped', { eventId: body.id, type: body.type.slice(0, 64) });
  return undefined;
}
