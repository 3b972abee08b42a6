import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';

import { getApp } from '../shared/app';
import { AppError } from '../shared/errors';
import { errorResponse, toHttp } from '../shared/http/toHttp';
import { contextLogger } from './support/contextLogger';
import { guarded } from './support/guarded';
import { readBodyCapped } from './support/readBody';

// An activity is at most 32,000 characters of text and 20 attachments (shared/dynamics/activity.ts).
const ACTIVITY_MAX_BYTES = 256 * 1024;

/**
 * Dynamics' webhook (docs/dynamics-protocol.md §5). Anonymous: the bearer token Dynamics sends is the
 * authentication, checked before anything is queued.
 */
export async function dynamicsActivities(req: HttpRequest, ctx: InvocationContext): Promise<HttpResponseInit> {
  const bridge = getApp().dynamics;
  if (!bridge) {
    return errorResponse(new AppError('dynamics_bridge_off', 'The Dynamics bridge is not configured here.'));
  }
  const raw = await readBodyCapped(req, ACTIVITY_MAX_BYTES);
  if (raw.length > ACTIVITY_MAX_BYTES) {
    return errorResponse(new AppError('payload_too_large', `An activity is at most ${ACTIVITY_MAX_BYTES} bytes.`));
  }
  const outcome = await bridge.receiveActivity(
    {
      conversationId: req.params.conversationId ?? '',
      authorization: req.headers.get('authorization') ?? undefined,
      body: raw.toString('utf8'),
    },
    contextLogger(ctx),
  );
  return toHttp(outcome, () => ({ status: 200, jsonBody: {} }));
}

app.http('dynamicsActivities', {
  methods: ['POST'],
  authLevel: 'anonymous',
  route: 'dynamics/v3/conversations/{conversationId}/activities',
  handler: guarded(dynamicsActivities),
});
