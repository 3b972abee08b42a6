import { eachAdapter } from './adapters';
import { conversationRecord, messageRecord, threadRecord } from './records';

eachAdapter((adapter) => {
  const reader = () => adapter().stores.conversations;

  /** A thread whose conversation 1 has five messages and conversation 2 two. */
  async function seeded() {
    const thread = threadRecord(undefined, { conversation: conversationRecord(2), nextMessage: 3 });
    const first = [1, 2, 3, 4, 5].map((m) => messageRecord(1, m));
    const second = [1, 2].map((m) => messageRecord(2, m, { text: `second ${m}` }));
    await adapter().stores.threads.commit(thread.threadId, undefined, {
      thread,
      conversations: [conversationRecord(1, { state: 'closed' }), conversationRecord(2)],
      newMessages: [...second, ...first],
    });
    return thread.threadId;
  }

  describe('the conversation reader', () => {
    it('pages through one conversation, oldest first, saying where the next page starts', async () => {
      const threadId = await seeded();
      const numbers = async (afterM: number, limit: number) => {
        const page = await reader().messages(threadId, 1, afterM, limit);
        return { ms: page.messages.map((m) => m.m), lastM: page.lastM };
      };
      expect(await numbers(0, 2)).toEqual({ ms: [1, 2], lastM: 2 });
      expect(await numbers(2, 2)).toEqual({ ms: [3, 4], lastM: 4 });
      expect(await numbers(4, 2)).toEqual({ ms: [5], lastM: undefined });
      expect(await numbers(3, 2)).toEqual({ ms: [4, 5], lastM: undefined });
      expect(await numbers(5, 2)).toEqual({ ms: [], lastM: undefined });
      expect(await numbers(0, 100)).toEqual({ ms: [1, 2, 3, 4, 5], lastM: undefined });
    });

    it("keeps each conversation's messages to itself", async () => {
      const threadId = await seeded();
      const page = await reader().messages(threadId, 2, 0, 10);
      expect(page.messages).toEqual([
        messageRecord(2, 1, { text: 'second 1' }),
        messageRecord(2, 2, { text: 'second 2' }),
      ]);
      expect(await reader().messages(threadId, 3, 0, 10)).toEqual({ messages: [], lastM: undefined });
    });

    it('answers nothing for a conversation that does not exist', async () => {
      const threadId = await seeded();
      expect(await reader().read(threadId, 3)).toBeUndefined();
      expect(await reader().read('NoSuchThread', 1)).toBeUndefined();
      expect((await reader().read(threadId, 1))?.conversation.state).toBe('closed');
    });
  });
});
