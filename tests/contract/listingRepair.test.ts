import type { ConversationState } from '../../shared/domain/conversationState';
import { routingRulesSchema } from '../../shared/domain/routingRules';
import type { IndexEntry } from '../../shared/ports/conversationIndex';
import { fileConversationAgain } from '../../shared/services/conversationIndexing';
import type { ListQuery } from '../../shared/services/conversationRequests';
import { changeConversation, type ConversationDeps, listConversations } from '../../shared/services/conversations';
import { type RouteDeps, routeEvent } from '../../shared/services/route';
import { auditedLogger } from '../support/capturingLogger';
import { testClock, threadOf } from '../support/conversationHarness';
import { inboundEvent, testConfig } from '../support/routeHarness';
import { eachAdapter } from './adapters';
import { conversationRecord, uniqueId } from './records';

/** The listing's repair of the index, through the services, on each adapter. */
eachAdapter((adapter) => {
  const stores = () => adapter().stores;
  const accounts = testConfig().accounts;
  let customerSeq = 700;

  const routeDeps = (queue: string, now: () => Date): RouteDeps => ({
    ...stores(),
    rules: routingRulesSchema.parse({ defaultQueue: queue }),
    accounts,
    now,
    logger: auditedLogger,
  });
  const conversationDeps = (now = () => new Date()): ConversationDeps => ({ ...stores(), now, logger: auditedLogger });
  /** Conversation rows read by the listing, counted by `countingReads`. */
  let reads = 0;
  const countingReads = (deps: ConversationDeps): ConversationDeps => {
    const conversations = deps.conversations;
    return { ...deps, conversations: { ...conversations, read: (...a) => (reads++, conversations.read(...a)) } };
  };

  async function start(queue: string, now: () => Date) {
    const customer = `1555555${String(++customerSeq).padStart(4, '0')}`;
    const { result: routed } = await routeEvent(inboundEvent({ from: customer, text: 'hello' }), routeDeps(queue, now));
    if (routed.kind !== 'message') throw new Error('not routed');
    return { id: routed.conversationId, customer };
  }

  /** Two conversations started one after the other, then a message joins the first: its entry does not move. */
  async function twoThenJoinFirst(queue: string) {
    const clock = testClock();
    const first = await start(queue, clock.now);
    clock.advance();
    const second = await start(queue, clock.now);
    clock.advance();
    const { events } = await routeEvent(
      inboundEvent({ from: first.customer, text: 'still there?' }),
      routeDeps(queue, clock.now),
    );
    return { clock, first, second, events };
  }

  async function listAll(query: Omit<ListQuery, 'limit'>, limit = 10) {
    const ids: string[] = [];
    let continuationToken: string | undefined;
    let pages = 0;
    do {
      const page = await listConversations({ ...query, limit, continuationToken }, conversationDeps());
      if (!page.ok) throw page.error;
      ids.push(...page.value.items.map((i) => i.id));
      continuationToken = page.value.continuationToken;
      pages++;
    } while (continuationToken && pages < 20);
    return { ids, pages };
  }

  /** Closes a customer's conversation in its thread alone, as a lost index write would leave it. */
  async function closeBehindTheIndex(customer: string) {
    const threadId = threadOf(customer);
    const state = await stores().threads.read(threadId);
    const closed = { ...state.thread!.conversation!, state: 'closed' as const, updatedAt: new Date().toISOString() };
    await stores().threads.commit(threadId, state.version, {
      thread: { ...state.thread!, conversation: closed },
      conversations: [closed],
    });
    return { threadId, closed };
  }

  async function entriesOf(queue: string, state: ConversationState): Promise<IndexEntry[]> {
    const entries: IndexEntry[] = [];
    for await (const entry of stores().index.scan(state, { queue })) entries.push(entry);
    return entries;
  }

  describe('the listing', () => {
    it('merges the states newest activity first, across pages', async () => {
      const queue = uniqueId('merge');
      const clock = testClock();
      const started = [];
      for (let i = 0; i < 4; i++) {
        clock.advance();
        started.push((await start(queue, clock.now)).id);
      }
      const change = async (id: string, action: Parameters<typeof changeConversation>[1]) => {
        clock.advance();
        expect((await changeConversation(id, action, conversationDeps(clock.now))).result).toMatchObject({ ok: true });
      };
      await change(started[1], { kind: 'assign', agentId: 'agent-1' });
      await change(started[0], { kind: 'assign', agentId: 'agent-2' });
      await change(started[0], { kind: 'wait' });

      const expected = [started[0], started[1], started[3], started[2]];
      expect(await listAll({ queue }, 100)).toEqual({ ids: expected, pages: 1 });
      expect(await listAll({ queue }, 3)).toEqual({ ids: expected, pages: 2 });
      expect(await listAll({ queue }, 1)).toEqual({ ids: expected, pages: 4 });
      expect((await listAll({ queue, state: 'open' }, 1)).ids).toEqual([started[3], started[2]]);
    });

    it('repairs an entry whose conversation changed state behind its back', async () => {
      const queue = uniqueId('stale');
      const { id, customer } = await start(queue, testClock().now);
      const { closed } = await closeBehindTheIndex(customer);
      expect((await entriesOf(queue, 'open')).map((e) => e.conversationId)).toEqual([id]);

      expect((await listAll({ queue, state: 'open' })).ids).toEqual([]);
      expect(await entriesOf(queue, 'open')).toEqual([]);
      expect((await entriesOf(queue, 'closed')).map((e) => [e.conversationId, e.activityAt])).toEqual([
        [id, closed.updatedAt],
      ]);
      expect((await listAll({ queue, state: 'closed' })).ids).toEqual([id]);
    });

    it('catches up with activity that moved no entry', async () => {
      const queue = uniqueId('busy');
      const { clock, first, second } = await twoThenJoinFirst(queue);

      expect(new Set((await listAll({ queue, state: 'open' })).ids)).toEqual(new Set([first.id, second.id]));
      expect((await listAll({ queue, state: 'open' })).ids).toEqual([first.id, second.id]);
      expect((await entriesOf(queue, 'open')).map((e) => [e.conversationId, e.activityAt])).toEqual([
        [first.id, clock.now().toISOString()],
        [second.id, expect.any(String)],
      ]);
    });

    it('lists a closed conversation from its entry alone; an entry without a snapshot is read once for one', async () => {
      const queue = uniqueId('closed');
      const clock = testClock();
      const first = await start(queue, clock.now);
      clock.advance();
      const second = await start(queue, clock.now);
      for (const { id } of [first, second]) {
        clock.advance();
        const closed = await changeConversation(id, { kind: 'close', reason: 'done' }, conversationDeps(clock.now));
        expect(closed.result).toMatchObject({ ok: true });
      }
      // An entry as written before snapshots: the same key, no snapshot.
      const [newest] = await entriesOf(queue, 'closed');
      const row = await stores().conversations.read(newest.threadId, newest.n);
      await stores().index.put(newest.threadId, row!.conversation);

      reads = 0;
      const listed = async () => {
        const page = await listConversations({ queue, state: 'closed', limit: 25 }, countingReads(conversationDeps()));
        if (!page.ok) throw page.error;
        return page.value.items;
      };
      const items = await listed();
      expect(items.map((i) => [i.id, i.state, i.closeReason, i.customerNumber.digits])).toEqual([
        [second.id, 'closed', 'done', second.customer],
        [first.id, 'closed', 'done', first.customer],
      ]);
      expect(reads).toBe(1);
      reads = 0;
      expect(await listed()).toEqual(items);
      expect(reads).toBe(0);
    });

    it('removes an entry whose conversation does not exist', async () => {
      const queue = uniqueId('ghost');
      await stores().index.put('GhostThread000000000000', conversationRecord(1, { queue }));
      expect(await entriesOf(queue, 'open')).toHaveLength(1);
      expect((await listAll({ queue })).ids).toEqual([]);
      expect(await entriesOf(queue, 'open')).toEqual([]);
    });
  });

  describe('with the index kept current by the conversation-index reaction', () => {
    const kept = (now = () => new Date()): ConversationDeps =>
      countingReads({ ...conversationDeps(now), indexKeptCurrent: true });
    const listKept = async (query: Omit<ListQuery, 'limit'>) => {
      const page = await listConversations({ ...query, limit: 25 }, kept());
      if (!page.ok) throw page.error;
      return page.value.items;
    };
    const fileAgain = (event: Parameters<typeof fileConversationAgain>[0]) =>
      fileConversationAgain(event, { ...stores(), logger: auditedLogger });
    beforeEach(() => (reads = 0));

    it('answers from the entries alone; after a join the reaction brings its order and counts up to date', async () => {
      const queue = uniqueId('kept');
      const { first, second, events } = await twoThenJoinFirst(queue);
      const shown = (items: Awaited<ReturnType<typeof listKept>>) => items.map((i) => [i.id, i.inboundCount]);

      expect(shown(await listKept({ queue }))).toEqual([
        [second.id, 1],
        [first.id, 1],
      ]);
      for (const event of events) expect(await fileAgain(event)).toBe('filed');
      expect(shown(await listKept({ queue }))).toEqual([
        [first.id, 2],
        [second.id, 1],
      ]);
      expect(shown(await listKept({ queue, state: 'open' }))).toEqual([
        [first.id, 2],
        [second.id, 1],
      ]);
      expect(reads).toBe(0);
    });

    it('repairs, on the next event, an entry whose conversation changed state behind its back', async () => {
      const queue = uniqueId('keptStale');
      const { id, customer } = await start(queue, testClock().now);
      const { threadId, closed } = await closeBehindTheIndex(customer);

      // What follows a change of state: its own event (a message's looks in the conversation's state only).
      const event = { id: uniqueId('ce'), type: 'conversation.state_changed' as const };
      expect(await fileAgain({ ...event, conversationId: id })).toBe('filed');
      expect(await entriesOf(queue, 'open')).toEqual([]);
      expect((await entriesOf(queue, 'closed')).map((e) => [e.conversationId, e.activityAt])).toEqual([
        [id, closed.updatedAt],
      ]);
      expect((await listKept({ queue, state: 'open' })).map((i) => i.id)).toEqual([]);
      expect((await listKept({ queue, state: 'closed' })).map((i) => [i.id, i.state])).toEqual([[id, 'closed']]);
      expect(reads).toBe(0);
      expect(await fileAgain({ ...event, conversationId: `${threadId}.9` })).toBe('no_conversation');
    });
  });
});
