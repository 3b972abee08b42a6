import { movesIndexEntry } from '../../shared/domain/conversationActivity';
import type { ConversationRecord } from '../../shared/domain/thread';
import { indexKeyOf } from '../../shared/storage/conversationIndex';

const conversation = (
  n: number,
  updatedAt: string,
  state: ConversationRecord['state'] = 'open',
): ConversationRecord => ({
  n,
  state,
  queue: 'general',
  priority: 0,
  createdAt: updatedAt,
  updatedAt,
  inboundCount: 1,
  outboundCount: 0,
});

describe('index keys', () => {
  it('sort newer activity first, across threads', () => {
    const keys = [
      indexKeyOf('threadB', conversation(1, '2026-01-01T00:00:00.000Z')).rowKey,
      indexKeyOf('threadA', conversation(1, '2026-03-01T00:00:00.000Z')).rowKey,
      indexKeyOf('threadC', conversation(2, '2026-02-01T00:00:00.000Z')).rowKey,
    ];
    expect([...keys].sort()).toEqual([keys[1], keys[2], keys[0]]);
  });

  it("put the entry in its state's partition, with no character a table key refuses", () => {
    const key = indexKeyOf('abc_-XYZ', conversation(12, '2026-01-01T00:00:00.000Z', 'waiting'));
    expect(key.state).toBe('waiting');
    expect(key.rowKey).toMatch(/^\d{13}_abc_-XYZ\.12$/);
  });

  it('move on a start or a state change, not on mere activity', () => {
    const open = conversation(1, '2026-01-01T00:00:00.000Z');
    expect(movesIndexEntry(undefined, open)).toBe(true);
    expect(movesIndexEntry(open, { ...open, updatedAt: '2026-01-02T00:00:00.000Z', inboundCount: 2 })).toBe(false);
    expect(movesIndexEntry(open, { ...open, state: 'active' })).toBe(true);
    expect(movesIndexEntry({ ...open, state: 'closed' }, conversation(2, '2026-01-03T00:00:00.000Z'))).toBe(true);
  });
});
