import { app, type InvocationContext } from '@azure/functions';

import { getApp } from '../shared/app';
import { settingNames } from '../shared/config';
import { contextLogger } from './support/contextLogger';

/**
 * The webhook deliveries queue, one session per endpoint and conversation thread (docs/webhooks.md §Order): one
 * attempt per message, never a wait; a retry is a scheduled message into the same session. With no endpoint
 * configured a delivery left on the queue is completed and logged, not attempted.
 */
export async function deliverWebhooks(message: unknown, ctx: InvocationContext): Promise<void> {
  const logger = contextLogger(ctx);
  const webhooks = getApp().webhooks;
  const messageId = String(ctx.triggerMetadata?.messageId ?? '');
  if (!webhooks) {
    logger.warn('webhook delivery dropped: no endpoint is configured (WEBHOOK_ENDPOINTS)', { messageId });
    return;
  }
  await webhooks.deliver(message, messageId, logger);
}

app.serviceBusQueue('deliverWebhooks', {
  queueName: `%${settingNames.webhookDeliveriesQueue}%`,
  connection: 'ServiceBusConnection',
  isSessionsEnabled: true,
  cardinality: 'one',
  handler: deliverWebhooks,
});
