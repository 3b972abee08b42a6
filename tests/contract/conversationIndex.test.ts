import type { ConversationState } from '../../shared/domain/conversationState';
import type { ConversationRecord } from '../../shared/domain/thread';
import type { IndexEntry, ScanOptions } from '../../shared/ports/conversationIndex';
import { eachAdapter } from './adapters';
import { at, conversationRecord, uniqueId } from './records';

eachAdapter((adapter) => {
  const index = () => adapter().stores.index;

  async function scanned(state: ConversationState, options: ScanOptions): Promise<IndexEntry[]> {
    const entries: IndexEntry[] = [];
    for await (const entry of index().scan(state, options)) entries.push(entry);
    return entries;
  }
  const ids = async (state: ConversationState, options: ScanOptions) =>
    (await scanned(state, options)).map((e) => e.conversationId);

  /** Conversations of one queue, each on its own thread, indexed as they are. */
  async function indexed(queue: string, conversations: Array<Partial<ConversationRecord> & { thread?: string }>) {
    const out: string[] = [];
    for (const { thread = uniqueId('T'), ...c } of conversations) {
      await index().put(thread, conversationRecord(c.n ?? 1, { queue, ...c }));
      out.push(`${thread}.${c.n ?? 1}`);
    }
    return out;
  }

  describe('the conversations index', () => {
    it('reads a state newest activity first, then by conversation id, with what each entry holds', async () => {
      const queue = uniqueId('q');
      const [older, newest, tieB, tieA] = await indexed(queue, [
        { updatedAt: at(1) },
        { updatedAt: at(9) },
        { updatedAt: at(5), thread: 'TieThreadB', n: 2 },
        { updatedAt: at(5), thread: 'TieThreadA', n: 12 },
      ]);
      await indexed(queue, [{ updatedAt: at(7), state: 'active' }]);
      expect(await ids('open', { queue })).toEqual([newest, tieA, tieB, older]);
      const [entry] = await scanned('open', { queue });
      expect(entry).toEqual({
        state: 'open',
        conversationId: newest,
        threadId: newest.split('.')[0],
        n: 1,
        queue,
        activityAt: at(9),
        cursor: expect.any(String),
      });
    });

    it('orders ids in code-unit order when the activity is the same', async () => {
      const queue = uniqueId('q');
      const [one, twelve, two] = await indexed(queue, [
        { updatedAt: at(3), thread: 'SameThread', n: 1 },
        { updatedAt: at(3), thread: 'SameThread', n: 12 },
        { updatedAt: at(3), thread: 'SameThread', n: 2 },
      ]);
      expect(await ids('open', { queue })).toEqual([one, twelve, two]);
    });

    it('filters by queue, and by activity strictly before a time', async () => {
      const queue = uniqueId('q');
      const [a, b, c] = await indexed(queue, [{ updatedAt: at(1) }, { updatedAt: at(2) }, { updatedAt: at(3) }]);
      await indexed(uniqueId('other'), [{ updatedAt: at(1) }]);
      expect(await ids('open', { queue })).toEqual([c, b, a]);
      expect(await ids('open', { queue, activityBefore: new Date(at(2)) })).toEqual([a]);
      expect(await ids('open', { queue, activityBefore: new Date(Date.parse(at(2)) + 1) })).toEqual([b, a]);
      expect(await ids('open', { queue: uniqueId('empty') })).toEqual([]);
    });

    it('reads on after a cursor it gave out, in pages of any size', async () => {
      const queue = uniqueId('q');
      const all = (
        await indexed(
          queue,
          [1, 2, 3, 4, 5].map((minute) => ({ updatedAt: at(minute) })),
        )
      ).reverse();
      expect(await ids('open', { queue, pageSize: 2 })).toEqual(all);
      const entries = await scanned('open', { queue });
      expect(await ids('open', { queue, after: entries[1].cursor, pageSize: 1 })).toEqual(all.slice(2));
      expect(await ids('open', { queue, after: entries[4].cursor })).toEqual([]);
      expect(await ids('open', { queue, after: entries[0].cursor, activityBefore: new Date(at(3)) })).toEqual(
        all.slice(3),
      );
    });

    it('puts idempotently and removes an entry it gave out (twice is fine)', async () => {
      const queue = uniqueId('q');
      const thread = uniqueId('T');
      await index().put(thread, conversationRecord(1, { queue, updatedAt: at(1) }));
      await index().put(thread, conversationRecord(1, { queue, updatedAt: at(1), priority: 3 }));
      const entries = await scanned('open', { queue });
      expect(entries).toHaveLength(1);
      await index().remove(entries[0]);
      await index().remove(entries[0]);
      expect(await scanned('open', { queue })).toEqual([]);
    });

    it('records a start, then moves the entry on a change of state or activity', async () => {
      const queue = uniqueId('q');
      const thread = uniqueId('T');
      const open = conversationRecord(1, { queue, updatedAt: at(1) });
      await index().record(thread, undefined, open);
      expect(await ids('open', { queue })).toEqual([`${thread}.1`]);

      const active = { ...open, state: 'active' as const, updatedAt: at(2) };
      await index().record(thread, open, active);
      expect(await scanned('open', { queue })).toEqual([]);
      expect((await scanned('active', { queue })).map((e) => e.activityAt)).toEqual([at(2)]);

      const later = { ...active, updatedAt: at(4) };
      await index().record(thread, active, later);
      expect((await scanned('active', { queue })).map((e) => e.activityAt)).toEqual([at(4)]);
    });

    it('keeps a snapshot of the conversation when given its parties, without notes or the Dynamics link', async () => {
      const queue = uniqueId('q');
      const thread = uniqueId('T');
      const parties = { account: 'ACCOUNT-1', supportNumber: '14252306549', customerNumber: '15555550100' };
      const open = conversationRecord(1, { queue, updatedAt: at(1), agentName: 'Ann', inboundCount: 3 });
      await index().put(thread, open);
      expect((await scanned('open', { queue }))[0].snapshot).toBeUndefined();

      const closed = {
        ...open,
        state: 'closed' as const,
        updatedAt: at(2),
        closedAt: at(2),
        closeReason: 'resolved',
        dynamicsConversationId: 'd-1',
        notes: [{ at: at(2), event: 'dynamics:Transfer' }],
      };
      await index().record(thread, open, closed, parties);
      const [entry] = await scanned('closed', { queue });
      expect(entry.snapshot).toEqual({
        ...parties,
        conversation: { ...open, state: 'closed', updatedAt: at(2), closedAt: at(2), closeReason: 'resolved' },
      });
      expect(await scanned('open', { queue })).toEqual([]);

      await index().put(thread, closed);
      expect((await scanned('closed', { queue }))[0].snapshot).toBeUndefined();
    });

    it("leaves the previous conversation's entry when the next conversation starts", async () => {
      const queue = uniqueId('q');
      const thread = uniqueId('T');
      const closed = conversationRecord(1, { queue, state: 'closed', updatedAt: at(1) });
      await index().record(thread, undefined, closed);
      await index().record(thread, closed, conversationRecord(2, { queue, updatedAt: at(2), previous: 1 }));
      expect(await ids('closed', { queue })).toEqual([`${thread}.1`]);
      expect(await ids('open', { queue })).toEqual([`${thread}.2`]);
    });

    it('moves the entry it filed, not the one the caller names, when activity moved no entry in between', async () => {
      const queue = uniqueId('q');
      const thread = uniqueId('T');
      const open = conversationRecord(1, { queue, updatedAt: at(1) });
      await index().record(thread, undefined, open);
      // Messages joined (at 2 and 3) without moving the entry; the caller knows the conversation as of the last one.
      const joined = { ...open, updatedAt: at(3), inboundCount: 3 };
      const active = { ...joined, state: 'active' as const, updatedAt: at(4) };
      await index().record(thread, joined, active);
      expect(await scanned('open', { queue })).toEqual([]);
      expect((await scanned('active', { queue })).map((e) => [e.conversationId, e.activityAt])).toEqual([
        [`${thread}.1`, at(4)],
      ]);
    });

    it('files a conversation again wherever it was: another activity, another state, twice', async () => {
      const queue = uniqueId('q');
      const thread = uniqueId('T');
      const parties = { account: 'ACCOUNT-1', supportNumber: '14252306549', customerNumber: '15555550100' };
      const open = conversationRecord(1, { queue, updatedAt: at(1) });
      await index().record(thread, undefined, open, parties);
      const later = { ...open, updatedAt: at(3), inboundCount: 2 };
      await index().put(thread, later, parties);
      const [entry] = await scanned('open', { queue });
      expect([entry.activityAt, entry.snapshot?.conversation.inboundCount]).toEqual([at(3), 2]);
      expect(await scanned('open', { queue })).toHaveLength(1);

      const waiting = { ...later, state: 'waiting' as const, updatedAt: at(5) };
      await index().put(thread, waiting, parties);
      await index().put(thread, waiting, parties);
      for (const state of ['open', 'active', 'closed'] as const) expect(await scanned(state, { queue })).toEqual([]);
      expect((await scanned('waiting', { queue })).map((e) => e.activityAt)).toEqual([at(5)]);
      // Back in a state it left: filed there again, once.
      await index().put(thread, { ...waiting, state: 'open', updatedAt: at(6) }, parties);
      expect((await scanned('open', { queue })).map((e) => e.activityAt)).toEqual([at(6)]);
      expect(await scanned('waiting', { queue })).toEqual([]);
    });

    it('takes a repeated start as the same conversation: one entry, where the last one says', async () => {
      const queue = uniqueId('q');
      const thread = uniqueId('T');
      await index().record(thread, undefined, conversationRecord(1, { queue, updatedAt: at(1) }));
      await index().record(thread, undefined, conversationRecord(1, { queue, updatedAt: at(2) }));
      expect((await scanned('open', { queue })).map((e) => e.activityAt)).toEqual([at(2)]);
    });

    it('removes the entry it gave out, and files the conversation again after that', async () => {
      const queue = uniqueId('q');
      const thread = uniqueId('T');
      const open = conversationRecord(1, { queue, updatedAt: at(1) });
      await index().record(thread, undefined, open);
      const [entry] = await scanned('open', { queue });
      await index().remove(entry);
      expect(await scanned('open', { queue })).toEqual([]);
      await index().put(thread, { ...open, updatedAt: at(2) });
      await index().put(thread, { ...open, updatedAt: at(3) });
      const [refiled] = await scanned('open', { queue });
      expect(refiled.activityAt).toBe(at(3));
      // Idle ranges and cursors read entries only: past the last entry, nothing.
      expect(await scanned('open', { queue, activityBefore: new Date(at(9)) })).toHaveLength(1);
      expect(await scanned('open', { queue, after: refiled.cursor })).toEqual([]);
    });
  });
});
