import { app, type InvocationContext } from '@azure/functions';

import { getApp } from '../shared/app';
import { settingNames } from '../shared/config';
import { parseQueueBody } from '../shared/domain/queueBody';
import { contextLogger } from './support/contextLogger';

/**
 * One event at a time per session (per thread), in order. Throwing hands the event back to Service Bus, which
 * redelivers it and, after maxDeliveryCount, dead-letters it.
 */
export async function routeInbound(message: unknown, ctx: InvocationContext): Promise<void> {
  const logger = contextLogger(ctx);
  let event;
  try {
    event = parseQueueBody(message);
  } catch (error) {
    logger.error('queue message refused: not a valid InboundEvent; it will be redelivered, then dead-lettered', {
      messageId: ctx.triggerMetadata?.messageId,
      reason: error instanceof Error ? error.message : String(error),
    });
    throw error;
  }
  await getApp().route(event, logger);
}

app.serviceBusQueue('routeInbound', {
  queueName: `%${settingNames.inboundQueueName}%`,
  connection: 'ServiceBusConnection',
  isSessionsEnabled: true,
  cardinality: 'one',
  handler: routeInbound,
});
