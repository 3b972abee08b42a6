import { app, type InvocationContext } from '@azure/functions';

import { getApp } from '../shared/app';
import { settingNames } from '../shared/config';
import { DeadLetterError } from '../shared/errors';
import { contextLogger } from './support/contextLogger';

/**
 * One activity at a time per session (per Dynamics conversation), in order. Throwing hands it back to Service
 * Bus, which redelivers it and, after maxDeliveryCount, dead-letters it.
 */
export async function applyAgentActivity(message: unknown, ctx: InvocationContext): Promise<void> {
  const bridge = getApp().dynamics;
  // The bridge was switched off with activities still queued: they are kept (redelivered, then dead-lettered with
  // this reason) for an operator to replay once it is back on, since Dynamics has been told they were received.
  if (!bridge) {
    throw new DeadLetterError(
      'dynamics_bridge_off',
      'The Dynamics bridge is off (no DYNAMICS_* settings): the agent activity cannot be applied.',
    );
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
