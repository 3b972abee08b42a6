import { type App, buildApp, resetApp, useApp } from '../../shared/app';
import { routingRulesSchema } from '../../shared/domain/routingRules';
import { threadIdOf } from '../../shared/domain/threadId';
import type { ConversationIndex } from '../../shared/ports/conversationIndex';
import type { ConversationDeps } from '../../shared/services/conversations';
import type { RouteDeps } from '../../shared/services/route';
import { odataString } from '../../shared/storage/keys';
import { auditedLogger } from './capturingLogger';
import { type RouteHarness, startRouteHarness, testConfig } from './routeHarness';
import { account1 } from './telesignFixtures';

/**
 * The route harness (Azurite, request counter) plus the conversations index and an App on the same tables,
 * so that tests can route events at chosen times and then call the HTTP handlers.
 */
export interface ConversationHarness extends RouteHarness {
  index: ConversationIndex;
  app: App;
  conversationDeps: ConversationDeps;
  /** Route deps that send new conversations to `queue`, at the clock's time. */
  routeDeps(queue: string, now?: () => Date): RouteDeps;
  /** Every index entry of a conversation, wherever it is: what the index holds, for assertions. */
  entriesOf(conversationId: string): Promise<Array<{ state: string; activityAt: string }>>;
}

export const SUPPORT = '14252306549';
export const threadOf = (customer: string) => threadIdOf(account1.customerId, SUPPORT, customer);

let seq = 0;
export const uniqueQueue = (name: string) => `${name}-${process.pid}-${++seq}`;

export async function startConversationHarness(): Promise<ConversationHarness> {
  const h = await startRouteHarness();
  const index = h.stores.index;
  const app = buildApp(testConfig(), {
    tables: h.tables,
    publisher: { publish: async () => undefined, close: async () => undefined },
    queueProbe: async () => undefined,
  });
  useApp(app);
  const conversationDeps: ConversationDeps = {
    threads: h.deps.threads,
    consent: h.deps.consent,
    index,
    conversations: h.stores.conversations,
    now: () => new Date(),
    logger: auditedLogger,
  };
  return {
    ...h,
    index,
    app,
    conversationDeps,
    routeDeps: (queue, now = () => new Date()) => ({
      ...h.deps,
      index,
      now,
      rules: routingRulesSchema.parse({ defaultQueue: queue }),
    }),
    async entriesOf(conversationId) {
      const rows = h.tables.conversationIndex.listEntities<Record<string, unknown>>({
        queryOptions: { filter: `conversationId eq ${odataString(conversationId)}` },
      });
      const out: Array<{ state: string; activityAt: string }> = [];
      for await (const row of rows) out.push({ state: row.partitionKey!, activityAt: String(row.activityAt) });
      return out;
    },
    async stop() {
      await resetApp();
      await h.stop();
    },
  };
}

/** A clock the test moves: conversations get distinct, ordered activity times in the past. */
export function testClock(start = Date.now() - 60 * 24 * 60 * 60 * 1000) {
  let ms = start;
  return {
    now: () => new Date(ms),
    advance(byMs = 60_000) {
      ms += byMs;
      return new Date(ms);
    },
    at: (value: number) => (ms = value),
  };
}
