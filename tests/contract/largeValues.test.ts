import type { ChannelEvent } from '../../shared/domain/channelEvents';
import type { DeliveryReported } from '../../shared/domain/inboundEvent';
import { CONVERSATION_NOTES_MAX, type MessageRecord } from '../../shared/domain/thread';
import { eachAdapter } from './adapters';
import { conversationRecord, threadRecord, uniqueId } from './records';

/**
 * What a callback can hand us fits the stores (docs/architecture.md §Storage): ids of any length are keys of
 * their own, and a JSON value longer than one table property (32,768 UTF-16 units) is kept whole.
 */
eachAdapter((adapter) => {
  const stores = () => adapter().stores;
  const report = (referenceId: string, eventId: string, statusDescription = 'Delivered'): DeliveryReported => ({
    schemaVersion: 1,
    type: 'delivery.reported',
    eventId,
    account: 'ACCOUNT-1',
    receivedAt: '2026-01-01T10:00:00.000Z',
    referenceId,
    statusCode: 200,
    statusDescription,
    errors: Array.from({ length: 50 }, (_, i) => ({ code: i, description: 'e'.repeat(999) })),
  });

  describe('long ids and large values', () => {
    it('keeps references of any length apart, two sharing their first 600 characters included', async () => {
      const shared = uniqueId('R').toUpperCase().padEnd(600, 'R');
      const refs = [`${shared}ONE`, `${shared}TWO`, 'S'.repeat(5000), 'odd/ref#?\u0001'.repeat(60)];
      for (const [i, ref] of refs.entries())
        await stores().references.put(ref, { threadId: 'T1', conversation: 1, m: i });
      for (const [i, ref] of refs.entries())
        expect(await stores().references.get(ref)).toEqual({ threadId: 'T1', conversation: 1, m: i });
      await stores().references.addPending(report(refs[0], 'dr-one'));
      expect((await stores().references.listPending(refs[0])).map((r) => r.eventId)).toEqual(['dr-one']);
      expect(await stores().references.listPending(refs[1])).toEqual([]);
    });

    it('parks a report whose JSON is longer than one property, and gives it back whole', async () => {
      const ref = uniqueId('big').toUpperCase();
      const big = report(ref, 'dr-big', 'd'.repeat(1000));
      expect(JSON.stringify(big).length).toBeGreaterThan(32_768);
      await stores().references.addPending(big);
      expect(await stores().references.listPending(ref)).toEqual([big]);
      await stores().references.removePending(big);
      expect(await stores().references.listPending(ref)).toEqual([]);
    });

    it('keeps a message whose timeline is longer than one property, and gives it back whole', async () => {
      const threadId = uniqueId('T').replace(/[^A-Za-z0-9_-]/g, '');
      const thread = threadRecord(threadId, { nextMessage: 2 });
      const message: MessageRecord = {
        conversation: 1,
        m: 1,
        direction: 'outbound',
        text: 'hi',
        segments: 1,
        encoding: 'GSM-7',
        createdAt: '2026-01-01T10:00:00.000Z',
        status: 'sent',
        timeline: Array.from({ length: 60 }, (_, i) => ({
          status: 'sent' as const,
          code: 290,
          description: `${i}`.padEnd(999, 'p'),
          at: '2026-01-01T10:00:00.000Z',
          eventId: `dr-${i}`,
        })),
      };
      expect(JSON.stringify(message.timeline).length).toBeGreaterThan(2 * 32_768);
      expect(await stores().threads.commit(threadId, undefined, { thread, newMessages: [message] })).toBe('committed');
      const read = await stores().threads.readMessage(threadId, 1, 1);
      expect(read.message).toEqual(message);
      const shorter = { ...message, timeline: message.timeline!.slice(0, 1), status: 'delivered' as const };
      expect(await stores().threads.updateMessage(threadId, shorter, read.version!)).toBe('committed');
      expect((await stores().threads.readMessage(threadId, 1, 1)).message).toEqual(shorter);
    });

    it('keeps a conversation whose notes from Dynamics are longer than one property, and gives them back whole', async () => {
      const threadId = uniqueId('N').replace(/[^A-Za-z0-9_-]/g, '');
      // The longest names a webhook may carry (256), of characters JSON escapes six-fold, in the most notes kept.
      const name = '\u0001'.repeat(256);
      const notes = Array.from({ length: CONVERSATION_NOTES_MAX }, (_, i) => ({
        at: '2026-01-01T10:00:00.000Z',
        event: `dynamics:${name}`.slice(0, 256),
        agentId: `${i}`.padEnd(256, 'a'),
        agentName: name,
      }));
      const conversation = conversationRecord(1, { agentName: name, notes });
      expect(JSON.stringify(notes).length).toBeGreaterThan(4 * 32_768);
      const thread = threadRecord(threadId, { conversation, nextMessage: 1 });
      expect(await stores().threads.commit(threadId, undefined, { thread })).toBe('committed');
      expect((await stores().threads.read(threadId)).thread?.conversation).toEqual(conversation);
    });

    it('keeps in the outbox an event whose JSON is longer than one property', async () => {
      const text = 'line\n'.repeat(6_000); // 30,000 characters, 36,000 once JSON escapes the line breaks
      const event: ChannelEvent = {
        schemaVersion: 1,
        id: `in-${uniqueId('x')}`,
        type: 'message.received',
        at: '2026-12-04T10:00:00.000Z',
        account: 'ACCOUNT',
        threadId: 'T1',
        conversationId: 'T1.1',
        messageId: 'T1.1.1',
        text,
        segments: 200,
        encoding: 'GSM-7',
        inboundEventId: 'mo-1',
        from: { digits: '15555550100', e164: '+15555550100' },
        to: { digits: '14252306549', e164: '+14252306549' },
        startedConversation: false,
        consent: { kind: 'none' },
      };
      expect(JSON.stringify(event).length).toBeGreaterThan(32_768);
      await stores().outbox.keep([event]);
      expect(await stores().outbox.pending(10)).toEqual([event]);
      await stores().outbox.remove([event]);
      expect(await stores().outbox.pending(10)).toEqual([]);
    });

    it('keeps an event marker and an idempotency marker of a long id', async () => {
      const threadId = uniqueId('M').replace(/[^A-Za-z0-9_-]/g, '');
      const thread = threadRecord(threadId);
      const key = { idempotencyKey: 'k'.repeat(600) + '/1' };
      const other = { idempotencyKey: 'k'.repeat(600) + '/2' };
      expect(
        await stores().threads.commit(threadId, undefined, { thread, markers: [{ key, properties: { m: 1 } }] }),
      ).toBe('committed');
      expect(await stores().threads.read(threadId, key)).toMatchObject({ applied: true, marker: { m: 1 } });
      expect(await stores().threads.read(threadId, other)).toMatchObject({ applied: false });
    });
  });
});
