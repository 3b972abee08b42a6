import { app, type InvocationContext } from '@azure/functions';

import { getApp } from '../shared/app';
import { settingNames } from '../shared/config';
import { parseChannelEventBody } from '../shared/domain/channelEventBody';
import { contextLogger } from './support/contextLogger';

/**
 * The `dynamics` subscription of the channel events topic, one session (thread) at a time and in order
 * (docs/dynamics-protocol.md §7). With the bridge off it completes every event without doing anything. Throwing
 * hands the event back to Service Bus, which redelivers it and, after maxDeliveryCount, dead-letters it.
 */
export async function relayToDynamics(message: unknown, ctx: InvocationContext): Promise<void> {
  const bridge = getApp().dynamics;
  if (!bridge) return;
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
  await bridge.relay(body.event, logger);
}

app.serviceBusTopic('relayToDynamics', {
  topicName: `%${settingNames.channelEventsTopic}%`,
  subscriptionName: 'dynamics',
  connection: 'ServiceBusConnection',
  isSessionsEnabled: true,
  cardinality: 'one',
  handler: relayToDynamics,
});
