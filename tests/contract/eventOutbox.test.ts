import { randomUUID } from 'node:crypto';

import type { ChannelEvent } from '../../shared/domain/channelEvents';
import { eachAdapter } from './adapters';

eachAdapter((adapter) => {
  const outbox = () => adapter().stores.outbox;
  const closed = (at: string, id = randomUUID()): ChannelEvent => ({
    schemaVersion: 1,
    id: `state-${id}`,
    type: 'conversation.state_changed',
    at,
    account: 'ACCOUNT',
    threadId: 'T1',
    conversationId: 'T1.1',
    cause: 'close',
    from: 'active',
    to: 'closed',
    agentId: 'agent-1',
    closeReason: 'resolved',
    queue: 'general',
  });

  describe('the channel event outbox', () => {
    afterEach(async () => {
      await outbox().remove(await outbox().pending(1000));
    });

    it('gives back what it keeps, whole and oldest first, up to the limit', async () => {
      const later = closed('2026-12-03T10:00:02.000Z');
      const first = closed('2026-12-03T10:00:00.000Z');
      const middle = closed('2026-12-03T10:00:01.000Z');
      await outbox().keep([later, first]);
      await outbox().keep([middle]);
      expect(await outbox().pending(10)).toEqual([first, middle, later]);
      expect(await outbox().pending(2)).toEqual([first, middle]);
    });

    it('keeps an event kept twice once, and removes what it is given, an unknown one too', async () => {
      const event = closed('2026-12-03T11:00:00.000Z');
      const other = closed('2026-12-03T11:00:01.000Z');
      await outbox().keep([event, other]);
      await outbox().keep([event]);
      expect(await outbox().pending(10)).toEqual([event, other]);
      await outbox().remove([event, closed('2026-12-03T11:00:02.000Z')]);
      expect(await outbox().pending(10)).toEqual([other]);
    });

    it('keeps more events than a table batch holds', async () => {
      const many = Array.from({ length: 130 }, (_, i) =>
        closed(`2026-12-03T12:00:${String(Math.floor(i / 10)).padStart(2, '0')}.${String(i % 10)}00Z`),
      );
      await outbox().keep(many);
      expect(await outbox().pending(1000)).toHaveLength(130);
    });
  });
});
