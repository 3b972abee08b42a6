import { app, type InvocationContext } from '@azure/functions';

import { getApp } from '../shared/app';
import { settingNames } from '../shared/config';
import { parseChannelEventBody } from '../shared/domain/channelEventBody';
import { contextLogger } from './support/contextLogger';

/**
 * The `webhooks` subscription of the channel events topic (docs/webhooks.md): each event becomes one delivery per
 * endpoint that wants it, on the webhook deliveries queue. With no endpoint configured it completes every event
 * without doing anything. Throwing hands the event back to Service Bus, which redelivers it; the copies already
 * queued carry the same message ids, so duplicate detection drops them.
 */
export async function fanOutWebhooks(message: unknown, ctx: InvocationContext): Promise<void> {
  const webhooks = getApp().webhooks;
  if (!webhooks) return;
  const logger = contextLogger(ctx);
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
  if (!body.known) {
    logger.info('channel event of an unknown type skipped', { eventId: body.id, type: body.type.slice(0, 64) });
    return;
  }
  await webhooks.fanOut(body.event, logger);
}

app.serviceBusTopic('fanOutWebhooks', {
  topicName: `%${settingNames.channelEventsTopic}%`,
  subscriptionName: 'webhooks',
  connection: 'ServiceBusConnection',
  isSessionsEnabled: true,
  cardinality: 'one',
  handler: fanOutWebhooks,
});
