import { app, type InvocationContext, type Timer } from '@azure/functions';

import { getApp } from '../shared/app';
import { contextLogger } from './support/contextLogger';

/**
 * Every five minutes, at second 45 (away from the other timers): a webhook attempt a hold waits for and that never
 * came is sent again (shared/services/webhookSweep.ts). With no hold overdue a run is one query; with no endpoint
 * configured it does nothing.
 */
const SWEEP_SCHEDULE = '45 */5 * * * *';

export async function resendOverdueWebhooks(_timer: Timer, ctx: InvocationContext): Promise<void> {
  await getApp().webhooks?.resendOverdue(contextLogger(ctx));
}

app.timer('resendOverdueWebhooks', {
  schedule: SWEEP_SCHEDULE,
  runOnStartup: false,
  handler: resendOverdueWebhooks,
});
