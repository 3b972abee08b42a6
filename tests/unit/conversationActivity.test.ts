import { isFiledAs, newestActivityFirst } from '../../shared/domain/conversationActivity';
import type { ConversationRecord } from '../../shared/domain/thread';

const conversation = (updatedAt: string, state: ConversationRecord['state'] = 'open'): ConversationRecord => ({
  n: 1,
  state,
  queue: 'general',
  priority: 0,
  createdAt: updatedAt,
  updatedAt,
  inboundCount: 1,
  outboundCount: 0,
});

describe('the listing order', () => {
  it('puts newer activity first, then conversation ids in code-unit order', () => {
    const positions = [
      { activityAt: '2026-01-01T00:00:00.000Z', conversationId: 'b.1' },
      { activityAt: '2026-03-01T00:00:00.000Z', conversationId: 'z.1' },
      { activityAt: '2026-01-01T00:00:00.000Z', conversationId: 'a.2' },
      { activityAt: '2026-01-01T00:00:00.000Z', conversationId: 'a.12' },
    ];
    expect([...positions].sort(newestActivityFirst).map((p) => p.conversationId)).toEqual([
      'z.1',
      'a.12',
      'a.2',
      'b.1',
    ]);
  });

  it('calls an index entry current only when its state and activity are the conversation’s', () => {
    const c = conversation('2026-01-01T00:00:00.000Z');
    expect(isFiledAs({ state: 'open', activityAt: '2026-01-01T00:00:00.000Z' }, c)).toBe(true);
    expect(isFiledAs({ state: 'active', activityAt: '2026-01-01T00:00:00.000Z' }, c)).toBe(false);
    expect(isFiledAs({ state: 'open', activityAt: '2026-01-01T00:00:00.001Z' }, c)).toBe(false);
  });
});
