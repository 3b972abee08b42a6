import { transition } from '../../shared/domain/conversationState';
import { AUTO_CLOSE_REASON, autoCloseIdle, type IdleLimits } from '../../shared/services/autoClose';
import { changeConversation } from '../../shared/services/conversations';
import { routeEvent } from '../../shared/services/route';
import {
  type ConversationHarness,
  startConversationHarness,
  testClock,
  threadOf,
  uniqueQueue,
} from '../support/conversationHarness';
import { inboundEvent } from '../support/routeHarness';

let h: ConversationHarness;
beforeAll(async () => {
  h = await startConversationHarness();
});
afterAll(async () => {
  await h.stop();
});

const DAY = 24 * 60 * 60 * 1000;
const limits: IdleLimits = { open: 30 * DAY, active: 30 * DAY, waiting: 7 * DAY };
const NOW = Date.parse('2026-06-01T12:00:00Z');
const queue = uniqueQueue('idle');
let customerSeq = 500;

/** A conversation whose last activity was `daysAgo` days before NOW, in `state`. */
async function conversation(daysAgo: number, state: 'open' | 'active' | 'waiting') {
  const customer = `1555555${String(++customerSeq).padStart(4, '0')}`;
  const clock = testClock(NOW - daysAgo * DAY);
  const { result: routed } = await routeEvent(
    inboundEvent({ from: customer, text: 'hello' }),
    h.routeDeps(queue, clock.now),
  );
  if (routed.kind !== 'message') throw new Error('not routed');
  const deps = { ...h.conversationDeps, now: clock.now };
  if (state !== 'open') await changeConversation(routed.conversationId, { kind: 'assign', agentId: 'agent-9' }, deps);
  if (state === 'waiting') await changeConversation(routed.conversationId, { kind: 'wait' }, deps);
  return { id: routed.conversationId, customer };
}

const stateOf = async (customer: string) => (await h.deps.threads.read(threadOf(customer))).thread!.conversation!;

describe('auto-close', () => {
  it("closes what has been idle past its state's limit, through the close transition, and nothing else", async () => {
    const openOld = await conversation(31, 'open');
    const openRecent = await conversation(29, 'open');
    const activeOld = await conversation(45, 'active');
    const waitingOld = await conversation(8, 'waiting');
    const waitingRecent = await conversation(6, 'waiting');

    const { result } = await autoCloseIdle({ ...h.conversationDeps, now: () => new Date(NOW), idleLimits: limits });
    expect(result).toEqual({ closed: 3, repaired: 0 });

    for (const c of [openOld, activeOld, waitingOld]) {
      expect(await stateOf(c.customer)).toMatchObject({
        state: 'closed',
        closeReason: AUTO_CLOSE_REASON,
        closedAt: new Date(NOW).toISOString(),
      });
      expect((await h.entriesOf(c.id)).map((e) => e.state)).toEqual(['closed']);
    }
    expect(await stateOf(activeOld.customer)).toMatchObject({ agentId: 'agent-9' });
    expect((await stateOf(openRecent.customer)).state).toBe('open');
    expect((await stateOf(waitingRecent.customer)).state).toBe('waiting');

    // A closed conversation is history: the customer's next message starts a new one.
    await routeEvent(inboundEvent({ from: openOld.customer, text: 'back again' }), h.routeDeps(queue));
    expect(await stateOf(openOld.customer)).toMatchObject({ n: 2, state: 'open', previous: 1 });
  });

  it('never closes a conversation whose index entry lags behind its activity, and repairs the entry', async () => {
    const busy = await conversation(40, 'open');
    // A message joined it yesterday: the router wrote the thread, not the index (the hot path budget).
    await routeEvent(
      inboundEvent({ from: busy.customer, text: 'still waiting' }),
      h.routeDeps(queue, () => new Date(NOW - DAY)),
    );
    expect((await h.entriesOf(busy.id))[0].activityAt).toBe(new Date(NOW - 40 * DAY).toISOString());

    const { result } = await autoCloseIdle({ ...h.conversationDeps, now: () => new Date(NOW), idleLimits: limits });
    expect(result).toEqual({ closed: 0, repaired: 1 });
    expect((await stateOf(busy.customer)).state).toBe('open');
    expect(await h.entriesOf(busy.id)).toEqual([{ state: 'open', activityAt: new Date(NOW - DAY).toISOString() }]);
  });

  it("removes an entry whose conversation was closed behind the index's back", async () => {
    const stale = await conversation(10, 'waiting');
    const threadId = threadOf(stale.customer);
    const state = await h.deps.threads.read(threadId);
    const current = state.thread!.conversation!;
    const moved = transition(current, { kind: 'close' });
    if (!moved.ok) throw new Error(moved.message);
    const closed = { ...current, state: moved.state };
    await h.deps.threads.commit(threadId, state.version, {
      thread: { ...state.thread!, conversation: closed },
      conversations: [closed],
    });

    const { result } = await autoCloseIdle({ ...h.conversationDeps, now: () => new Date(NOW), idleLimits: limits });
    expect(result).toEqual({ closed: 0, repaired: 1 });
    expect((await h.entriesOf(stale.id)).map((e) => e.state)).toEqual(['closed']);
  });

  it('leaves a state alone when its limit is off, and stops at the bound of one run', async () => {
    const a = await conversation(100, 'open');
    const b = await conversation(101, 'open');
    const { result: off } = await autoCloseIdle({
      ...h.conversationDeps,
      now: () => new Date(NOW),
      idleLimits: { ...limits, open: undefined },
    });
    expect(off).toEqual({ closed: 0, repaired: 0 });

    const { result: bounded } = await autoCloseIdle({
      ...h.conversationDeps,
      now: () => new Date(NOW),
      idleLimits: limits,
      maxPerRun: 1,
    });
    expect(bounded).toEqual({ closed: 1, repaired: 0 });
    const { result: next } = await autoCloseIdle({
      ...h.conversationDeps,
      now: () => new Date(NOW),
      idleLimits: limits,
    });
    expect(next).toEqual({ closed: 1, repaired: 0 });
    expect([(await stateOf(a.customer)).state, (await stateOf(b.customer)).state]).toEqual(['closed', 'closed']);
  });
});
