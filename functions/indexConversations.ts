import { app, type InvocationContext } from '@azure/functions';

import { getApp } from '../shared/app';
import { settingNames } from '../shared/config';
import { channelEventOf } from './support/channelEventOf';
import { contextLogger } from './support/contextLogger';

/**
 * The `conversation-index` subscription of the channel events topic: each event files its conversation in the
 * conversations index again, as it now is, so that listings answer from the index alone (docs/architecture.md
 * §conversationIndex). Filing is idempotent; throwing hands the event back to Service Bus, which redelivers it.
 */
export async function indexConversations(message: unknown, ctx: InvocationContext): Promise<void> {
  const logger = contextLogger(ctx);
  const event = channelEventOf(message, ctx, logger);
  if (event) await getApp().conversations.fileAgain(event, logger);
}

app.serviceBusTopic('indexConversations', {
  topicName: `%${settingNames.channelEventsTopic}%`,
  subscriptionName: 'conversation-index',
  connection: 'ServiceBusConnection',
  isSessionsEnabled: true,
  cardinality: 'one',
  handler: indexConversations,
});
