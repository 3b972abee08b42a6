import { app, type InvocationContext, type Timer } from '@azure/functions';

import { getApp } from '../shared/app';
import { contextLogger } from './support/contextLogger';

/**
 * Every minute: an outage of the topic leaves at most a minute of waiting channel events behind it
 * (docs/architecture.md §Publishing after the commit). An empty outbox costs one query.
 */
const REPUBLISH_SCHEDULE = '0 * * * * *';

export async function republishChannelEvents(_timer: Timer, ctx: InvocationContext): Promise<void> {
  await getApp().republishChannelEvents(contextLogger(ctx));
}

app.timer('republishChannelEvents', {
  schedule: REPUBLISH_SCHEDULE,
  runOnStartup: false,
  handler: republishChannelEvents,
});
