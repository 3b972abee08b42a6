import type { ThreadChange } from '../../shared/ports/threadStore';
import { withOptimisticRetry } from '../../shared/services/optimisticRetry';
import { eachAdapter } from './adapters';
import { conversationRecord, messageRecord, threadRecord, uniqueId } from './records';

eachAdapter((adapter) => {
  const threads = () => adapter().stores.threads;

  /** A thread with conversation 1 and its first message, created. */
  async function created(change: Partial<ThreadChange> = {}) {
    const conversation = conversationRecord(1);
    const thread = threadRecord(undefined, { conversation, nextMessage: 2 });
    const outcome = await threads().commit(thread.threadId, undefined, {
      thread,
      conversations: [conversation],
      newMessages: [messageRecord(1, 1)],
      ...change,
    });
    expect(outcome).toBe('committed');
    return { thread, conversation, threadId: thread.threadId };
  }

  describe('the thread store', () => {
    it('reads a thread that does not exist as no thread, no version, no marker', async () => {
      expect(await threads().read(uniqueId('T'), { event: 'evt-1' })).toEqual({
        thread: undefined,
        version: undefined,
        applied: false,
        marker: undefined,
      });
    });

    it('creates a thread without a version; creating it again conflicts', async () => {
      const { thread, threadId } = await created();
      const state = await threads().read(threadId);
      expect(state.thread).toEqual(thread);
      expect(state.version).toEqual(expect.any(String));
      expect(await threads().commit(threadId, undefined, { thread })).toBe('conflict');
    });

    it('replaces a thread only under its current version, which every change moves', async () => {
      const { thread, threadId } = await created();
      const first = await threads().read(threadId);
      const renamed = { ...thread, updatedAt: '2026-02-01T00:00:00.000Z' };
      expect(await threads().commit(threadId, first.version, { thread: renamed })).toBe('committed');
      const second = await threads().read(threadId);
      expect(second.thread).toEqual(renamed);
      expect(second.version).not.toEqual(first.version);
      expect(await threads().commit(threadId, first.version, { thread })).toBe('conflict');
      expect((await threads().read(threadId)).thread).toEqual(renamed);
    });

    it('creates a marker on its own, leaving the version alone; a second time it is there already', async () => {
      const { threadId } = await created();
      const before = await threads().read(threadId);
      const key = { event: uniqueId('posted') };
      expect(await threads().mark(threadId, key)).toBe('marked');
      expect(await threads().mark(threadId, key)).toBe('exists');
      const after = await threads().read(threadId, key);
      expect([after.applied, after.version]).toEqual([true, before.version]);
      expect((await threads().read(threadId, { event: uniqueId('other') })).applied).toBe(false);
    });

    it('refuses to replace a thread that does not exist', async () => {
      const { threadId } = await created();
      const { version } = await threads().read(threadId);
      const other = threadRecord();
      await expect(threads().commit(other.threadId, version, { thread: other })).rejects.toMatchObject({
        code: 'storage_unavailable',
      });
    });

    it('writes conversations whole, with the thread they belong to', async () => {
      const { thread, conversation, threadId } = await created();
      expect(await threads().getConversation(threadId, 1)).toEqual(conversation);
      expect(await adapter().stores.conversations.read(threadId, 1)).toEqual({
        threadId,
        account: thread.account,
        supportNumber: thread.supportNumber,
        customerNumber: thread.customerNumber,
        conversation,
      });
      const closed = conversationRecord(1, { state: 'closed', closedAt: '2026-01-02T00:00:00.000Z', rule: 'billing' });
      const { version } = await threads().read(threadId);
      expect(await threads().commit(threadId, version, { thread, conversations: [closed] })).toBe('committed');
      expect(await threads().getConversation(threadId, 1)).toEqual(closed);
      expect(await threads().getConversation(threadId, 2)).toBeUndefined();
    });

    it('conflicts, and applies nothing, when a new message exists already', async () => {
      const { thread, threadId } = await created();
      const before = await threads().read(threadId);
      const change: ThreadChange = {
        thread: { ...thread, nextMessage: 9 },
        conversations: [conversationRecord(1, { inboundCount: 9 })],
        newMessages: [messageRecord(1, 2), messageRecord(1, 1, { text: 'again' })],
        markers: [{ key: { event: 'evt-a' } }],
      };
      expect(await threads().commit(threadId, before.version, change)).toBe('conflict');
      const after = await threads().read(threadId, { event: 'evt-a' });
      expect(after).toEqual({ ...before, applied: false, marker: undefined });
      expect((await threads().readMessage(threadId, 1, 1)).message?.text).toBe('message 1');
      expect((await threads().readMessage(threadId, 1, 2)).message).toBeUndefined();
      expect(await threads().getConversation(threadId, 1)).toMatchObject({ inboundCount: 1 });
    });

    it.each([
      ['an event', { event: 'mo-0123456789abcdef' }],
      ['an idempotency key', { idempotencyKey: 'order 42 / retry #1 ✓' }],
    ] as const)('keeps a marker for %s with what it remembers; creating it again conflicts', async (_what, key) => {
      const { thread, threadId } = await created({
        markers: [{ key, properties: { conversation: 1, m: 1, started: true, fingerprint: 'abc' } }],
      });
      const state = await threads().read(threadId, key);
      expect(state).toMatchObject({
        applied: true,
        marker: { conversation: 1, m: 1, started: true, fingerprint: 'abc' },
      });
      expect(Object.keys(state.marker!).sort()).toEqual(['conversation', 'fingerprint', 'm', 'started']);
      expect(await threads().commit(threadId, state.version, { thread, markers: [{ key }] })).toBe('conflict');
    });

    it('tells event markers and idempotency markers apart', async () => {
      const { threadId } = await created({ markers: [{ key: { event: 'same' } }] });
      expect((await threads().read(threadId, { event: 'same' })).applied).toBe(true);
      expect((await threads().read(threadId, { idempotencyKey: 'same' })).applied).toBe(false);
      expect((await threads().read(threadId, { event: 'other' })).applied).toBe(false);
    });

    it('loses no change when many writers race on one thread', async () => {
      const { threadId } = await created();
      const writers = 20;
      await Promise.all(
        Array.from({ length: writers }, () =>
          withOptimisticRetry(async () => {
            const state = await threads().read(threadId);
            const thread = state.thread!;
            const outcome = await threads().commit(threadId, state.version, {
              thread: { ...thread, nextMessage: thread.nextMessage + 1 },
              newMessages: [messageRecord(1, thread.nextMessage)],
            });
            return outcome === 'committed' ? { committed: true, value: undefined } : { committed: false };
          }),
        ),
      );
      expect((await threads().read(threadId)).thread?.nextMessage).toBe(writers + 2);
      const page = await adapter().stores.conversations.messages(threadId, 1, 0, 100);
      expect(page.messages.map((m) => m.m)).toEqual(Array.from({ length: writers + 1 }, (_, i) => i + 1));
    });
  });

  describe('messages in the thread store', () => {
    it('are read with their own version and whether an event was applied', async () => {
      const { threadId } = await created();
      const state = await threads().readMessage(threadId, 1, 1, 'dr-1');
      expect(state).toEqual({ message: messageRecord(1, 1), version: expect.any(String), applied: false });
      expect(await threads().readMessage(threadId, 1, 7)).toEqual({
        message: undefined,
        version: undefined,
        applied: false,
      });
    });

    it('keep everything a message holds', async () => {
      const sent = messageRecord(1, 2, {
        direction: 'outbound',
        text: 'We are on it 😀',
        encoding: 'UCS-2',
        referenceId: 'ABCDEF0123456789ABCDEF0123456789',
        status: 'delivered',
        timeline: [
          { status: 'queued', at: '2026-01-01T10:00:00.000Z' },
          { status: 'delivered', code: 200, description: 'Delivered', at: '2026-01-01T10:00:05.000Z', eventId: 'dr-9' },
        ],
        senderId: '14252306549',
        idempotencyKey: 'k-1',
        failureCode: 'telesign_rejected',
        failureReason: 'no',
        failureDetails: '{"a":1}',
      });
      const { threadId } = await created({ newMessages: [messageRecord(1, 1), sent] });
      expect((await threads().readMessage(threadId, 1, 2)).message).toEqual(sent);
    });

    it('are updated under their version, leaving the thread alone, with an event marker created', async () => {
      const { threadId } = await created();
      const thread = await threads().read(threadId);
      const first = await threads().readMessage(threadId, 1, 1);
      const delivered = { ...first.message!, status: 'delivered' as const };
      expect(await threads().updateMessage(threadId, delivered, first.version!, { create: { event: 'dr-1' } })).toBe(
        'committed',
      );
      const second = await threads().readMessage(threadId, 1, 1, 'dr-1');
      expect(second).toEqual({ message: delivered, version: expect.any(String), applied: true });
      expect(second.version).not.toEqual(first.version);
      expect((await threads().read(threadId)).version).toEqual(thread.version);

      expect(await threads().updateMessage(threadId, first.message!, first.version!)).toBe('conflict');
      expect(
        await threads().updateMessage(threadId, first.message!, second.version!, { create: { event: 'dr-1' } }),
      ).toBe('conflict');
      expect((await threads().readMessage(threadId, 1, 1)).message).toEqual(delivered);
    });

    it('are given their version by the commit that creates them, good for the next update without a read', async () => {
      const conversation = conversationRecord(1);
      const thread = threadRecord(undefined, { conversation, nextMessage: 3 });
      const messages = [messageRecord(1, 1), messageRecord(1, 2)];
      const outcome = await threads().commitWithVersions(thread.threadId, undefined, {
        thread,
        conversations: [conversation],
        newMessages: messages,
      });
      if (outcome.result !== 'committed') throw new Error('the commit conflicted');
      expect(outcome.messageVersions).toEqual([
        (await threads().readMessage(thread.threadId, 1, 1)).version,
        (await threads().readMessage(thread.threadId, 1, 2)).version,
      ]);
      const sent = { ...messages[1], status: 'sent' as const };
      expect(await threads().updateMessage(thread.threadId, sent, outcome.messageVersions[1])).toBe('committed');
      expect(await threads().commitWithVersions(thread.threadId, undefined, { thread })).toEqual({
        result: 'conflict',
      });
    });

    it('remove an idempotency marker with the update', async () => {
      const key = { idempotencyKey: 'retry-me' };
      const { threadId } = await created({ markers: [{ key, properties: { conversation: 1, m: 1 } }] });
      const state = await threads().readMessage(threadId, 1, 1);
      const failed = { ...state.message!, status: 'failed' as const };
      expect(await threads().updateMessage(threadId, failed, state.version!, { remove: key })).toBe('committed');
      expect(await threads().read(threadId, key)).toMatchObject({ applied: false, marker: undefined });
    });

    it('refuse an update of a message, or a removal of a marker, that does not exist', async () => {
      const { threadId } = await created();
      const state = await threads().readMessage(threadId, 1, 1);
      await expect(threads().updateMessage(threadId, messageRecord(1, 5), state.version!)).rejects.toMatchObject({
        code: 'storage_unavailable',
      });
      await expect(
        threads().updateMessage(threadId, state.message!, state.version!, { remove: { idempotencyKey: 'never' } }),
      ).rejects.toMatchObject({ code: 'storage_unavailable' });
      expect((await threads().readMessage(threadId, 1, 1)).version).toEqual(state.version);
    });
  });
});
