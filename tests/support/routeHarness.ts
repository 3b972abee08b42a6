import { type AzuriteTables, startAzuriteTables } from '../../local/azurite';
import { loadConfig } from '../../shared/config';
import type { DeliveryReported, MessageReceived } from '../../shared/domain/inboundEvent';
import { routingRulesSchema } from '../../shared/domain/routingRules';
import type { MessageRecord } from '../../shared/domain/thread';
import { threadIdOf } from '../../shared/domain/threadId';
import type { Stores } from '../../shared/ports/stores';
import { type RouteDeps, routeEvent } from '../../shared/services/route';
import { requestCounter } from '../../shared/storage/requestCounter';
import { createTableClients, ensureTables, type TableClients } from '../../shared/storage/tableClients';
import { createTableStores } from '../../shared/storage/tableStores';
import { parseCallback } from '../../shared/telesign/callbackParser';
import { auditedLogger } from './capturingLogger';
import { account1, accountsSetting, deliveryReportBody, inboundSmsBody, localSecrets } from './telesignFixtures';
import { messagesOf } from './threadMessages';

export const testConfig = (extra: Record<string, string> = {}) =>
  loadConfig({
    TELESIGN_ACCOUNTS: accountsSetting(account1),
    LOCAL_SECRETS: JSON.stringify(localSecrets(account1)),
    ServiceBusConnection: 'Endpoint=sb://127.0.0.1;SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true',
    AzureWebJobsStorage: 'UseDevelopmentStorage=true',
    ...extra,
  });

export const testRules = routingRulesSchema.parse({
  defaultQueue: 'general',
  rules: [
    { name: 'billing', match: { keyword: '\\b(invoice|bill|refund)\\b' }, queue: 'billing', priority: 2 },
    { name: 'toll-free', match: { supportNumber: '18005550199' }, queue: 'priority', priority: 5 },
  ],
});

export interface RouteHarness {
  azurite: AzuriteTables;
  tables: TableClients;
  /** The Table adapter of every storage port, on these tables. */
  stores: Stores;
  deps: RouteDeps;
  /** Every message of conversation `n` of a thread. */
  messages(threadId: string, n: number): Promise<MessageRecord[]>;
  counter: ReturnType<typeof requestCounter>;
  stop(): Promise<void>;
}

export async function startRouteHarness(): Promise<RouteHarness> {
  const azurite = await startAzuriteTables();
  const tables = createTableClients({ kind: 'connectionString', connectionString: azurite.connectionString });
  await ensureTables(tables);
  const counter = requestCounter();
  counter.attach(Object.values(tables));
  const stores = createTableStores(tables);
  const deps: RouteDeps = {
    threads: stores.threads,
    consent: stores.consent,
    references: stores.references,
    unrecognized: stores.unrecognized,
    rules: testRules,
    accounts: testConfig().accounts,
    now: () => new Date(),
    logger: auditedLogger,
  };
  return {
    azurite,
    tables,
    stores,
    deps,
    messages: (threadId, n) => messagesOf(stores.conversations, threadId, n),
    counter,
    stop: () => azurite.stop(),
  };
}

const account = () => testConfig().accounts[0];
let refSeq = 0;
export const uniqueRef = () => (0x10000000 + ++refSeq).toString(16).toUpperCase().padStart(32, 'A');

export function inboundEvent(options: {
  from: string;
  to?: string;
  text: string;
  referenceId?: string;
  submittedAt?: string;
}): MessageReceived {
  const body = JSON.parse(
    inboundSmsBody({
      from: options.from,
      to: options.to,
      text: options.text,
      referenceId: options.referenceId ?? uniqueRef(),
    }),
  );
  if (options.submittedAt) body.submit_timestamp = options.submittedAt;
  const raw = JSON.stringify(body);
  const { event } = parseCallback(raw, body, { account: account(), receivedAt: new Date().toISOString() });
  if (event.type !== 'message.received') throw new Error('fixture did not parse as a message');
  return event;
}

export function reportEvent(
  referenceId: string,
  code: number,
  updatedOn: string,
  description = 'status',
): DeliveryReported {
  const raw = deliveryReportBody({ referenceId, code, updatedOn, description });
  const { event } = parseCallback(raw, JSON.parse(raw), { account: account(), receivedAt: new Date().toISOString() });
  if (event.type !== 'delivery.reported') throw new Error('fixture did not parse as a report');
  return event;
}

/**
 * An outbound message as the send path records it, in a conversation a customer's SMS opened; its Telesign
 * reference is recorded too when `pointed` (then a report on it is applied, not parked).
 */
export async function seedOutbound(
  h: Pick<RouteHarness, 'deps' | 'stores'>,
  customer: string,
  referenceId: string,
  pointed = true,
): Promise<{ threadId: string; pointer: { threadId: string; conversation: number; m: number } }> {
  await routeEvent(inboundEvent({ from: customer, text: 'hello' }), h.deps);
  const threadId = threadIdOf(account1.customerId, account1.defaultSupportNumber, customer);
  const state = await h.deps.threads.read(threadId);
  const thread = state.thread!;
  const message: MessageRecord = {
    conversation: thread.conversation!.n,
    m: thread.nextMessage,
    direction: 'outbound',
    text: 'We are on it',
    segments: 1,
    encoding: 'GSM-7',
    createdAt: new Date().toISOString(),
    referenceId,
    status: 'sent',
    timeline: [{ status: 'sent', code: 290, description: 'Message in progress', at: new Date().toISOString() }],
  };
  await h.deps.threads.commit(threadId, state.version, {
    thread: { ...thread, nextMessage: thread.nextMessage + 1 },
    newMessages: [message],
  });
  const pointer = { threadId, conversation: message.conversation, m: message.m };
  if (pointed) await h.stores.references.put(referenceId, pointer);
  return { threadId, pointer };
}
