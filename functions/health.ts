import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';

import { getApp } from '../shared/app';
import { guarded } from './support/guarded';

/**
 * For load balancers and monitors, so anonymous: it names the dependency that is down and nothing else (no
 * host names, no error text), and answers from a short-lived shared result.
 */
export async function health(_req: HttpRequest, ctx: InvocationContext): Promise<HttpResponseInit> {
  try {
    const result = await getApp().health();
    return { status: result.status === 'ok' ? 200 : 503, jsonBody: result, headers: { 'Cache-Control': 'no-store' } };
  } catch (error) {
    // Only settings that do not load get here: the probes themselves never throw.
    ctx.error('health check failed unexpectedly', { error: error instanceof Error ? error.name : 'unknown' });
    return {
      status: 503,
      jsonBody: {
        status: 'degraded',
        checks: { storage: 'unavailable', queue: 'unavailable', secrets: 'unavailable' },
      },
    };
  }
}

app.http('health', {
  methods: ['GET'],
  authLevel: 'anonymous',
  route: 'health',
  handler: guarded(health),
});
