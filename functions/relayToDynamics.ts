import { app, type InvocationContext } from '@azure/functions';

import { getApp } from '../shared/app';
import { settingNames } from '../shared/config';
import { channelEventOf } from './support/channelEventOf';
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
  const event = channelEventOf(message, ctx, logger);
  if (event) await bridge.relay(event, logger);
}

app.serviceBusTopic('relayToDynamics', {
  topicName: `%${settingNames.channelEventsTopic}%`,
  subscriptionName: 'dynamics',
  connection: 'ServiceBusConnection',
  isSessionsEnabled: true,
  cardinality: 'one',
  handler: relayToDynamics,
});
