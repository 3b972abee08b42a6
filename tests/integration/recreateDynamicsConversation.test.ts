/**
 * The 404 → recreate path of the relay (docs/dynamics-protocol.md §6) against the Dynamics sandbox, with the
 * stores in memory: the customer writes after the agent ended the Dynamics conversation.
 */
import { DynamicsSandbox } from '../../local/dynamicsSandbox';
import type { MessageReceivedEvent } from '../../shared/domain/channelEvents';
import { routingRulesSchema } from '../../shared/domain/routingRules';
import { isDynamicsError } from '../../shared/dynamics/dynamicsError';
import type { MessagingClient } from '../../shared/dynamics/messagingClient';
import { createMemoryStores, type MemoryStores } from '../../shared/memory/memoryStores';
import { changeConversation } from '../../shared/services/conversations';
import { startNextConversation } from '../../shared/services/nextConversation';
import {
  CLOSED_IN_DYNAMICS,
  type RecreateDeps,
  recreateDynamicsConversation,
} from '../../shared/services/recreateDynamicsConversation';
import { conversationRecord, threadRecord, uniqueId } from '../contract/records';
import { auditedLogger } from '../support/capturingLogger';
import { sandboxMessagingClient } from '../support/sandboxMessagingClient';

const SUPPORT = '14252306549';
const CUSTOMER = '15555550100';
const accounts = [
  {
    customerId: 'ACCOUNT-1',
    apiKeySecretName: 'key',
    defaultSupportNumber: SUPPORT,
    supportNumbers: [{ number: SUPPORT, type: 'longcode' as const, description: 'Support', defaultLanguage: 'en' }],
  },
];
const rules = routingRulesSchema.parse({ defaultQueue: 'general', rules: [] });

let sandbox: DynamicsSandbox;
let messaging: MessagingClient;

beforeAll(async () => {
  sandbox = await DynamicsSandbox.start();
  messaging = sandboxMessagingClient(sandbox, 'dynamics-client-secret');
});

afterAll(async () => {
  await sandbox.stop();
});

/** A thread whose conversation 1 is linked to a Dynamics conversation the agent has since ended. */
async function endedInDynamics() {
  const stores = createMemoryStores();
  const threadId = uniqueId('T');
  const created = await messaging.createConversation({
    customerId: `${threadId}.1`,
    startMessage: { text: 'first question' },
  });
  const gone = created.conversationId;
  sandbox.accept(gone);
  sandbox.end(gone);
  const first = conversationRecord(1, { dynamicsConversationId: gone });
  const thread = threadRecord(threadId, { supportNumber: SUPPORT, customerNumber: CUSTOMER, conversation: first });
  await stores.threads.commit(threadId, undefined, { thread, conversations: [first], newMessages: [] });
  const event: MessageReceivedEvent = {
    schemaVersion: 1,
    type: 'message.received',
    id: `evt-${threadId}-2`,
    at: '2026-01-02T09:00:00.000Z',
    account: 'ACCOUNT-1',
    threadId,
    conversationId: `${threadId}.1`,
    messageId: `${threadId}.1.2`,
    text: 'are you still there?',
    segments: 1,
    encoding: 'GSM-7',
    inboundEventId: `in-${threadId}-2`,
    from: { digits: CUSTOMER, e164: `+${CUSTOMER}` },
    to: { digits: SUPPORT, e164: `+${SUPPORT}` },
    startedConversation: false,
    consent: { kind: 'none' },
  };
  return { stores, threadId, gone, event, deps: depsFor(stores) };
}

function depsFor(stores: MemoryStores): RecreateDeps & { started: string[] } {
  const now = () => new Date('2026-01-02T09:00:00.000Z');
  const started: string[] = [];
  return {
    started,
    settings: { phoneFormat: 'e164', skipDeflectionBot: false },
    accounts,
    threads: stores.threads,
    links: stores.dynamicsLinks,
    messaging,
    now,
    logger: auditedLogger,
    sleep: async () => undefined,
    async closeConversation(conversationId, reason) {
      await changeConversation(conversationId, { kind: 'close', reason }, { ...stores, now, logger: auditedLogger });
    },
    async startNext(input) {
      const { result, events } = await startNextConversation(input, {
        ...stores,
        rules,
        accounts,
        now,
        logger: auditedLogger,
      });
      started.push(...events.map((e) => e.type));
      return result;
    },
  };
}

describe('a customer message after the Dynamics conversation ended', () => {
  it('closes ours as closed_in_dynamics, starts the next one and creates its Dynamics conversation once', async () => {
    const { stores, threadId, gone, event, deps } = await endedInDynamics();
    const refused = await messaging.postMessage(gone, { id: event.messageId, text: event.text }).catch((e) => e);
    expect(isDynamicsError(refused) && refused.kind).toBe('not_found');

    const recreated = await recreateDynamicsConversation(event, gone, deps);

    expect(recreated).toEqual({
      kind: 'recreated',
      conversationId: `${threadId}.2`,
      dynamicsConversationId: expect.any(String),
    });
    const fresh = recreated.kind === 'recreated' ? recreated.dynamicsConversationId : '';
    expect(fresh.toLowerCase()).not.toBe(gone.toLowerCase());
    expect(await stores.threads.getConversation(threadId, 1)).toMatchObject({
      state: 'closed',
      closeReason: CLOSED_IN_DYNAMICS,
      dynamicsConversationId: gone,
    });
    expect(await stores.threads.getConversation(threadId, 2)).toMatchObject({
      state: 'open',
      previous: 1,
      dynamicsConversationId: fresh,
    });
    expect(await stores.dynamicsLinks.get(fresh.toUpperCase())).toMatchObject({ threadId, conversation: 2 });
    expect(deps.started).toEqual(['conversation.started']);

    const there = sandbox.conversation(fresh);
    expect(there.customerContext).toMatchObject({ customerid: `${threadId}.2`, phonenumber: `+${CUSTOMER}` });
    expect(there.messages.filter((m) => m.sender === 'customer').map((m) => m.text)).toEqual(['are you still there?']);

    // Redelivered: nothing new is created or started.
    const again = await recreateDynamicsConversation(event, gone, deps);
    expect(again).toEqual({ kind: 'recreated', conversationId: `${threadId}.2`, dynamicsConversationId: fresh });
    expect(deps.started).toEqual(['conversation.started']);
    expect(sandbox.conversations().filter((c) => c.customerContext.customerid === `${threadId}.2`)).toHaveLength(1);
    expect(
      sandbox
        .conversation(fresh)
        .messages.filter((m) => m.sender === 'customer')
        .map((m) => m.text),
    ).toEqual(['are you still there?']);
  });

  it('drops the message when our conversation was closed here for another reason', async () => {
    const { stores, threadId, gone, event, deps } = await endedInDynamics();
    await deps.closeConversation(event.conversationId, 'resolved');

    expect(await recreateDynamicsConversation(event, gone, deps)).toEqual({
      kind: 'dropped',
      reason: 'our conversation was closed here',
    });
    expect((await stores.threads.read(threadId)).thread?.conversation?.n).toBe(1);
    expect(deps.started).toEqual([]);
  });
});
