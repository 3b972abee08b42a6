import { routingRulesSchema } from '../../shared/domain/routingRules';
import { startConversation } from '../../shared/domain/startConversation';
import type { ConversationRecord } from '../../shared/domain/thread';

const rules = routingRulesSchema.parse({
  defaultQueue: 'general',
  rules: [{ name: 'billing', match: { keyword: '\\brefund\\b' }, queue: 'billing', priority: 2 }],
});
const now = '2026-01-01T10:00:00.000Z';

describe('startConversation', () => {
  it('opens the first conversation of a thread, classified by the first text', () => {
    expect(startConversation(undefined, { rules, supportNumber: '14252306549', text: 'my refund', now })).toEqual({
      n: 1,
      state: 'open',
      queue: 'billing',
      priority: 2,
      rule: 'billing',
      createdAt: now,
      updatedAt: now,
      previous: undefined,
      inboundCount: 0,
      outboundCount: 0,
    });
  });

  it('follows the previous one, and goes to the default queue when we speak first', () => {
    const previous = { n: 3, state: 'closed' } as ConversationRecord;
    expect(startConversation(previous, { rules, supportNumber: '14252306549', text: '', now })).toMatchObject({
      n: 4,
      previous: 3,
      queue: 'general',
    });
  });
});
