import { routingRulesSchema } from '../../shared/domain/routingRules';
import { createMemoryStores } from '../../shared/memory/memoryStores';
import { startNextConversation } from '../../shared/services/nextConversation';
import { conversationRecord, threadRecord, uniqueId } from '../contract/records';
import { auditedLogger } from '../support/capturingLogger';

const rules = routingRulesSchema.parse({
  defaultQueue: 'general',
  rules: [{ name: 'billing', match: { keyword: '\\brefund\\b' }, queue: 'billing', priority: 2 }],
});
const accounts = [
  {
    customerId: 'ACCOUNT-1',
    apiKeySecretName: 'key',
    defaultSupportNumber: '14252306549',
    supportNumbers: [{ number: '14252306549', type: 'longcode' as const, defaultLanguage: 'en' }],
  },
];
const now = () => new Date('2026-01-02T09:00:00.000Z');

async function threadWith(state: 'closed' | 'open') {
  const stores = createMemoryStores();
  const threadId = uniqueId('T');
  const latest = conversationRecord(1, {
    state,
    dynamicsConversationId: 'd-1',
    ...(state === 'closed' ? { closedAt: now().toISOString(), closeReason: 'closed_in_dynamics' } : {}),
  });
  const thread = threadRecord(threadId, { conversation: latest, nextMessage: 3 });
  expect(await stores.threads.commit(threadId, undefined, { thread, conversations: [latest] })).toBe('committed');
  const deps = { ...stores, rules, accounts, now, logger: auditedLogger };
  return { stores, threadId, deps };
}

describe('startNextConversation', () => {
  it('starts the next conversation after a closed one, routed on the message, with a dynamics-caused event', async () => {
    const { stores, threadId, deps } = await threadWith('closed');
    const { result, events } = await startNextConversation({ threadId, after: 1, text: 'about my refund' }, deps);

    expect(result).toEqual({
      kind: 'started',
      conversation: expect.objectContaining({ n: 2, previous: 1, state: 'open', queue: 'billing', priority: 2 }),
    });
    expect(events).toEqual([
      expect.objectContaining({
        type: 'conversation.started',
        cause: 'dynamics',
        conversationId: `${threadId}.2`,
        previousConversationId: `${threadId}.1`,
        queue: 'billing',
      }),
    ]);
    const { thread } = await stores.threads.read(threadId);
    expect(thread).toMatchObject({ nextMessage: 1, conversation: { n: 2 } });
    expect(thread?.conversation?.dynamicsConversationId).toBeUndefined();
    const listed = [];
    for await (const entry of stores.index.scan('open')) if (entry.threadId === threadId) listed.push(entry.n);
    expect(listed).toEqual([2]);
  });

  it('starts it once: asked again, it returns the conversation that followed and emits nothing', async () => {
    const { threadId, deps } = await threadWith('closed');
    await startNextConversation({ threadId, after: 1, text: 'hello' }, deps);
    const again = await startNextConversation({ threadId, after: 1, text: 'hello' }, deps);
    expect(again).toEqual({
      result: { kind: 'existing', conversation: expect.objectContaining({ n: 2 }) },
      events: [],
    });
  });

  it('starts nothing while the conversation is still open, or in a thread that does not exist', async () => {
    const { threadId, deps } = await threadWith('open');
    expect(await startNextConversation({ threadId, after: 1, text: 'x' }, deps)).toEqual({
      result: { kind: 'none', reason: 'still_open' },
      events: [],
    });
    expect(await startNextConversation({ threadId: 'nope', after: 1, text: 'x' }, deps)).toEqual({
      result: { kind: 'none', reason: 'no_thread' },
      events: [],
    });
  });
});
