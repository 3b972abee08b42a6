import { app, type InvocationContext } from '@azure/functions';

import { getApp } from '../shared/app';
import { settingNames } from '../shared/config';
import { channelEventOf } from './support/channelEventOf';
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
  const event = channelEventOf(message, ctx, logger);
  if (event) await webhooks.fanOut(event, logger);
}

app.serviceBusTopic('fanOutWebhooks', {
  topicName: `%${settingNames.channelEventsTopic}%`,
  subscriptionName: 'webhooks',
  connection: 'ServiceBusConnection',
  isSessionsEnabled: true,
  cardinality: 'one',
  handler: fanOutWebhooks,
});
