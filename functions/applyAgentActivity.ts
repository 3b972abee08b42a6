import { app, type InvocationContext } from '@azure/functions';

import { getApp } from '../shared/app';
import { settingNames } from '../shared/config';
import { contextLogger } from './support/contextLogger';

/**
 * One activity at a time per session (per Dynamics conversation), in order. Throwing hands it back to Service
 * Bus, which redelivers it and, after maxDeliveryCount, dead-letters it.
 */
export async function applyAgentActivity(message: unknown, ctx: InvocationContext): Promise<void> {
  const bridge = getApp().dynamics;
  // The bridge was switched off with activities still queued: they are dropped, and said so.
  if (!bridge?.applyActivity) {
    contextLogger(ctx).warn('Dynamics activity dropped: the bridge is off', {
      messageId: ctx.triggerMetadata?.messageId,
    });
    return;
  }
  await bridge.applyActivity(message, contextLogger(ctx));
}

app.serviceBusQueue('applyAgentActivity', {
  queueName: `%${settingNames.dynamicsActivitiesQueue}%`,
  connection: 'ServiceBusConnection',
  isSessionsEnabled: true,
  cardinality: 'one',
  handler: applyAgentActivity,
});
