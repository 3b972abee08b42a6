import { app, type InvocationContext, type Timer } from '@azure/functions';

import { getApp } from '../shared/app';
import { contextLogger } from './support/contextLogger';

/**
 * Every minute, at second 30 (away from republishChannelEvents): a send a crash left `queued` is settled `unknown`
 * at most a minute after the bound (docs/architecture.md §Sending). With nothing stuck, a run is one query.
 */
const SETTLE_SCHEDULE = '30 * * * * *';

export async function settleStuckSends(_timer: Timer, ctx: InvocationContext): Promise<void> {
  await getApp().settleStuckSends(contextLogger(ctx));
}

app.timer('settleStuckSends', {
  schedule: SETTLE_SCHEDULE,
  runOnStartup: false,
  handler: settleStuckSends,
});
