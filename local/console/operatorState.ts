import type { ServiceBusClient } from '@azure/service-bus';

import type { App } from '../../shared/app';
import type { Env } from '../../shared/config';
import type { EmbeddedBroker } from '../broker';
import { listDeadLetters } from '../deadLetters';
import { channelDeadLetterSources } from '../deadLetterSources';

/** What the operator strip reads. */
export interface OperatorDeps {
  app: App;
  env: Env;
  broker?: EmbeddedBroker;
  serviceBus: ServiceBusClient;
  telesignSandboxUrl?: string;
  dynamicsSandboxUrl?: string;
}

/** A part that could not be read says why, rather than hiding the rest of the strip. */
type Part<T> = T | { error: string };

const settle = async <T>(read: () => Promise<T>): Promise<Part<T>> => {
  try {
    return await read();
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
};

const json = async (url: string) => {
  const answer = await fetch(url, { signal: AbortSignal.timeout(2000) });
  return answer.json() as Promise<unknown>;
};

/**
 * `GET /console/state`: health as /api/health answers it, the embedded broker's depths, what is dead-lettered,
 * the webhook endpoints and their last failures, and the sandboxes' fault switches. Read in parallel, each part
 * on its own.
 */
export async function operatorState(deps: OperatorDeps) {
  const [health, deadLetters, webhooks, webhookFailures, telesignFault, dynamicsFaults] = await Promise.all([
    settle(() => deps.app.health()),
    settle(async () => {
      const found = [];
      for (const source of channelDeadLetterSources(deps.env))
        found.push(...(await listDeadLetters(deps.serviceBus, source)));
      return found;
    }),
    settle(async () => (deps.app.webhooks ? deps.app.webhooks.status() : undefined)),
    settle(async () => (deps.app.webhooks ? deps.app.webhooks.failed(undefined, 10) : undefined)),
    settle(async () => (deps.telesignSandboxUrl ? json(`${deps.telesignSandboxUrl}/sandbox/fault-switch`) : undefined)),
    settle(async () => (deps.dynamicsSandboxUrl ? json(`${deps.dynamicsSandboxUrl}/_sandbox/faults`) : undefined)),
  ]);
  return {
    health,
    broker: deps.broker?.entities(),
    deadLetters,
    webhooks,
    webhookFailures,
    telesignFault,
    dynamicsFaults,
  };
}
