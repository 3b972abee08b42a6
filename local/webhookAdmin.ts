import type { ServiceBusClient } from '@azure/service-bus';

import type { Env, TableSettings } from '../shared/config';
import { createOutboundWebhooks, type OutboundWebhooks } from '../shared/outboundWebhooks';
import { createWebhookDeliveryQueue } from '../shared/queue/webhookDeliveryQueue';
import { createTableClient, tableNames } from '../shared/storage/tableClients';
import { createWebhookEndpointStates, createWebhookFailures, createWebhookHolds } from '../shared/storage/webhookStore';
import { readWebhookSettings } from '../shared/webhooks/endpointSettings';

/**
 * The outbound webhooks as `npm run sms -- webhooks status|failed|replay` reach them: the channel's own table and
 * deliveries queue, without the rest of the app (no Telesign account is needed to list what failed). The
 * endpoints come from WEBHOOK_ENDPOINTS, since failed deliveries are kept under their endpoint's name.
 */
export interface WebhookAdmin {
  webhooks: OutboundWebhooks;
  close(): Promise<void>;
}

export function openWebhookAdmin(
  env: Env,
  target: { tables: TableSettings; serviceBus: ServiceBusClient; local: boolean },
): WebhookAdmin {
  const settings = readWebhookSettings(env, { local: target.local });
  if (!settings.endpoints.length) {
    throw new Error(
      target.local
        ? 'WEBHOOK_ENDPOINTS lists no endpoint (local.settings.json), so no webhook delivery is kept.'
        : 'WEBHOOK_ENDPOINTS is empty: export the Function App setting first (docs/webhooks.md §Failed deliveries).',
    );
  }
  const table = createTableClient(target.tables, tableNames.webhooks, { retryOptions: { maxRetries: 1 } });
  const queue = createWebhookDeliveryQueue(
    target.serviceBus,
    env.WEBHOOK_DELIVERIES_QUEUE?.trim() || 'webhook-deliveries',
  );
  let ready: Promise<unknown> | undefined;
  const webhooks = createOutboundWebhooks(
    { ...settings, mode: target.local ? 'local' : 'azure' },
    {
      holds: createWebhookHolds(table),
      failures: createWebhookFailures(table),
      endpointStates: createWebhookEndpointStates(table),
      queue,
      // Listing and replaying sign nothing.
      secrets: {
        get: () => Promise.reject(new Error('The operator tool holds no signing secret.')),
        invalidate: () => undefined,
      },
      // Locally the table may not exist yet (nothing failed); in Azure the app made it, and the operator's role
      // may not allow creating tables.
      ready: async () => void (target.local ? await (ready ??= table.createTable()) : undefined),
    },
  )!;
  return { webhooks, close: () => queue.close() };
}

/** `stabc` or its table host name: the table endpoint to sign in to. */
export function storageAccountUri(account: string): string {
  const name = account
    .trim()
    .replace(/^https:\/\//i, '')
    .replace(/\/+$/, '');
  if (!/^[a-z0-9][a-z0-9.-]*$/i.test(name)) throw new Error(`--storage-account ${account}: give the account's name.`);
  return `https://${name.includes('.') ? name : `${name}.table.core.windows.net`}`;
}
