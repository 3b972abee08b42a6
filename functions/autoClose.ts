import { app, type InvocationContext, type Timer } from '@azure/functions';

import { getApp } from '../shared/app';
import { contextLogger } from './support/contextLogger';

/** Hourly, as Dynamics closes idle conversations; the idle limits per state are settings (AUTO_CLOSE_*_DAYS). */
const AUTO_CLOSE_SCHEDULE = '0 0 * * * *';

export async function autoClose(_timer: Timer, ctx: InvocationContext): Promise<void> {
  await getApp().conversations.autoClose(contextLogger(ctx));
}

app.timer('autoClose', {
  schedule: AUTO_CLOSE_SCHEDULE,
  runOnStartup: false,
  handler: autoClose,
});
