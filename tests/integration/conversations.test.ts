jest.mock('@azure/functions-core', () => require('../../local/functionsCore'), { virtual: true });

import { assignConversation } from '../../functions/assignConversation';
import { closeConversation } from '../../functions/closeConversation';
import { getConversation } from '../../functions/getConversation';
import { listConversationMessages } from '../../functions/listConversationMessages';
import { listConversations } from '../../functions/listConversations';
import { waitConversation } from '../../functions/waitConversation';
import { conversationIdOf, type MessageRecord } from '../../shared/domain/thread';
import { changeConversation } from '../../shared/services/conversations';
import { routeEvent } from '../../shared/services/route';
import {
  type ConversationHarness,
  startConversationHarness,
  testClock,
  threadOf,
  uniqueQueue,
} from '../support/conversationHarness';
import { call } from '../support/openapi';
import { inboundEvent } from '../support/routeHarness';

let h: ConversationHarness;
beforeAll(async () => {
  h = await startConversationHarness();
});
afterAll(async () => {
  await h.stop();
});

let customerSeq = 300;
const newCustomer = () => `1555555${String(++customerSeq).padStart(4, '0')}`;

type Item = { id: string; state: string; queue: string; agentId?: string; lastActivityAt: string };
type Page = { items: Item[]; continuationToken?: string };

async function list(query: Record<string, string>): Promise<Page> {
  const response = await call(listConversations, { method: 'GET', route: '/conversations', query });
  expect(response.status).toBe(200);
  return response.body as Page;
}

/** Every page of a listing, following continuation tokens. */
async function listAll(query: Record<string, string>): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await list({ ...query, ...(token ? { continuationToken: token } : {}) });
    ids.push(...page.items.map((i) => i.id));
    token = page.continuationToken;
    pages++;
  } while (token && pages < 50);
  return { ids, pages };
}

const transition = (handler: typeof assignConversation, action: string, id: string, body?: object) =>
  call(handler, { method: 'POST', route: `/conversations/{id}/${action}`, params: { id }, body });

/** A customer's first message: starts a conversation in `queue` at the clock's time. */
async function start(queue: string, now: () => Date, customer = newCustomer()) {
  const { result } = await routeEvent(inboundEvent({ from: customer, text: 'hello' }), h.routeDeps(queue, now));
  if (result.kind !== 'message') throw new Error('not routed');
  return { id: result.conversationId, customer };
}

describe('listing conversations', () => {
  it('returns exactly the conversations of a state and queue, newest activity first, in pages', async () => {
    const queue = uniqueQueue('sales');
    const other = uniqueQueue('billing');
    const clock = testClock();
    const started: string[] = [];
    for (let i = 0; i < 5; i++) {
      clock.advance();
      started.push((await start(queue, clock.now)).id);
    }
    clock.advance();
    const elsewhere = (await start(other, clock.now)).id;
    expect((await transition(assignConversation, 'assign', started[1], { agentId: 'agent-7' })).status).toBe(200);

    const open = [started[4], started[3], started[2], started[0]];
    const paged = await listAll({ state: 'open', queue, limit: '2' });
    expect(paged).toEqual({ ids: open, pages: 2 });
    expect((await listAll({ state: 'active', queue })).ids).toEqual([started[1]]);
    expect((await listAll({ queue, limit: '3' })).ids).toEqual([started[1], ...open]);
    expect((await listAll({ state: 'open', queue: other })).ids).toEqual([elsewhere]);

    const anyQueue = (await listAll({ state: 'open', limit: '100' })).ids.filter((id) =>
      [...started, elsewhere].includes(id),
    );
    expect(anyQueue).toEqual([elsewhere, ...open]);
  });

  it('gives each item what an agent needs, from the conversation itself', async () => {
    const queue = uniqueQueue('support');
    const { id, customer } = await start(queue, testClock().now);
    const [item] = (await list({ state: 'open', queue })).items as unknown as Array<Record<string, unknown>>;
    expect(item).toMatchObject({
      id,
      state: 'open',
      queue,
      customerNumber: { e164: `+${customer}`, digits: customer },
      supportNumber: { e164: '+14252306549', digits: '14252306549' },
      inboundCount: 1,
      outboundCount: 0,
    });
  });

  it.each([
    [{ limit: '0' }],
    [{ limit: '101' }],
    [{ limit: 'ten' }],
    [{ state: 'pending' }],
    [{ continuationToken: 'not a token!' }],
    [{ continuationToken: Buffer.from('{"k":"list","after":{"open":5}}').toString('base64url') }],
  ])('answers 400 invalid_request to %p', async (query) => {
    const response = await call(listConversations, { method: 'GET', route: '/conversations', query });
    expect(response).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
  });

  it('refuses a continuation token replayed against another query', async () => {
    const queue = uniqueQueue('replay');
    const clock = testClock();
    await start(queue, clock.now);
    clock.advance();
    await start(queue, clock.now);
    const first = await list({ state: 'open', queue, limit: '1' });
    expect(first.continuationToken).toBeDefined();
    const response = await call(listConversations, {
      method: 'GET',
      route: '/conversations',
      query: { state: 'active', queue, continuationToken: first.continuationToken! },
    });
    expect(response).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
  });
});

describe("the listing's storage budget", () => {
  it('is one index query per state listed and none per item, for 25 items and for 100', async () => {
    const queue = uniqueQueue('budget-list');
    const ids: string[] = [];
    for (let i = 0; i < 101; i += 10) {
      const started = await Promise.all(
        Array.from({ length: Math.min(10, 101 - i) }, () => start(queue, () => new Date())),
      );
      ids.push(...started.map((s) => s.id));
    }
    for (const id of ids) {
      const { result } = await changeConversation(id, { kind: 'close', reason: 'done' }, h.conversationDeps);
      expect(result).toMatchObject({ ok: true });
    }
    // The app's first request creates the tables it needs once per process: not the listing's cost.
    await list({ queue, state: 'open' });
    const cost = async (query: Record<string, string>) => {
      h.counter.reset();
      const page = await list({ queue, ...query });
      return { items: page.items.length, more: page.continuationToken !== undefined, requests: h.counter.count() };
    };
    for (const limit of [25, 100]) {
      expect(await cost({ state: 'closed', limit: String(limit) })).toEqual({ items: limit, more: true, requests: 1 });
      expect(await cost({ limit: String(limit) })).toEqual({ items: limit, more: true, requests: 4 });
    }
  });
});

describe('the index', () => {
  const stateOf = async (id: string) => (await h.entriesOf(id)).map((e) => e.state);

  it('follows create, assign, wait, a reply, close and a new conversation after close', async () => {
    const queue = uniqueQueue('lifecycle');
    const customer = newCustomer();
    const clock = testClock();
    const { id } = await start(queue, clock.now, customer);
    const only = async (state: string) => (await listAll({ state, queue })).ids;

    expect(await stateOf(id)).toEqual(['open']);
    expect(await only('open')).toEqual([id]);

    expect((await transition(assignConversation, 'assign', id, { agentId: 'agent-1' })).body).toMatchObject({
      state: 'active',
      agentId: 'agent-1',
    });
    expect(await stateOf(id)).toEqual(['active']);
    expect([await only('open'), await only('active')]).toEqual([[], [id]]);

    expect((await transition(waitConversation, 'wait', id)).body).toMatchObject({ state: 'waiting' });
    expect(await stateOf(id)).toEqual(['waiting']);
    expect([await only('active'), await only('waiting')]).toEqual([[], [id]]);

    // The customer writes again: the router moves it back to its agent, one index write.
    await routeEvent(inboundEvent({ from: customer, text: 'any news?' }), h.routeDeps(queue));
    expect(await stateOf(id)).toEqual(['active']);
    expect([await only('waiting'), await only('active')]).toEqual([[], [id]]);

    const closed = await transition(closeConversation, 'close', id, { reason: 'resolved' });
    expect(closed.body).toMatchObject({ state: 'closed', closeReason: 'resolved', agentId: 'agent-1' });
    expect(await stateOf(id)).toEqual(['closed']);
    expect([await only('active'), await only('closed')]).toEqual([[], [id]]);

    await routeEvent(inboundEvent({ from: customer, text: 'one more thing' }), h.routeDeps(queue));
    const next = conversationIdOf(threadOf(customer), 2);
    expect(await stateOf(next)).toEqual(['open']);
    expect(await stateOf(id)).toEqual(['closed']);
    expect([await only('open'), await only('closed')]).toEqual([[next], [id]]);
  });

  it('costs the router nothing extra when a message joins an open conversation, one write when one starts', async () => {
    const queue = uniqueQueue('budget');
    const customer = newCustomer();
    h.counter.reset();
    await routeEvent(inboundEvent({ from: customer, text: 'first' }), h.routeDeps(queue));
    expect(h.counter.count()).toBe(3);
    h.counter.reset();
    await routeEvent(inboundEvent({ from: customer, text: 'second' }), h.routeDeps(queue));
    expect(h.counter.count()).toBeLessThanOrEqual(2);
  });

  it('is corrected by the reader when a state change never reached it', async () => {
    const queue = uniqueQueue('lost');
    const { id, customer } = await start(queue, testClock().now);
    const threadId = threadOf(customer);
    // A close committed to the thread whose index write was lost.
    const state = await h.deps.threads.read(threadId);
    const closed = { ...state.thread!.conversation!, state: 'closed' as const, updatedAt: new Date().toISOString() };
    await h.deps.threads.commit(threadId, state.version, {
      thread: { ...state.thread!, conversation: closed },
      conversations: [closed],
    });
    expect(await stateOf(id)).toEqual(['open']);

    expect((await listAll({ state: 'open', queue })).ids).toEqual([]);
    expect(await stateOf(id)).toEqual(['closed']);
    expect((await listAll({ state: 'closed', queue })).ids).toEqual([id]);
  });

  it('drops an entry whose conversation does not exist', async () => {
    const queue = uniqueQueue('ghost');
    const ghost = conversationIdOf('GhostThread000000000000', 1);
    await h.tables.conversationIndex.createEntity({
      partitionKey: 'open',
      rowKey: `0000000000000_${ghost}`,
      conversationId: ghost,
      threadId: 'GhostThread000000000000',
      n: 1,
      queue,
      activityAt: new Date().toISOString(),
    });
    expect((await listAll({ state: 'open', queue })).ids).toEqual([]);
    expect(await h.entriesOf(ghost)).toEqual([]);
  });

  it('catches up with activity that moved no entry', async () => {
    const queue = uniqueQueue('busy');
    const clock = testClock();
    const first = await start(queue, clock.now);
    clock.advance();
    const second = await start(queue, clock.now);
    expect((await listAll({ state: 'open', queue })).ids).toEqual([second.id, first.id]);

    clock.advance();
    await routeEvent(inboundEvent({ from: first.customer, text: 'still there?' }), h.routeDeps(queue, clock.now));
    // The listing that notices still lists both; the next one has the new order.
    expect(new Set((await listAll({ state: 'open', queue })).ids)).toEqual(new Set([first.id, second.id]));
    expect((await listAll({ state: 'open', queue })).ids).toEqual([first.id, second.id]);
    expect(await h.entriesOf(first.id)).toEqual([{ state: 'open', activityAt: clock.now().toISOString() }]);
  });

  it('is written again when the router is redelivered an event whose first delivery stopped after the thread write', async () => {
    const queue = uniqueQueue('crash');
    const customer = newCustomer();
    const event = inboundEvent({ from: customer, text: 'hello' });
    const withoutIndex = { ...h.routeDeps(queue), index: undefined };
    const { result: first } = await routeEvent(event, withoutIndex);
    if (first.kind !== 'message') throw new Error('not routed');
    expect(await h.entriesOf(first.conversationId)).toEqual([]);

    expect((await routeEvent(event, h.routeDeps(queue))).result.kind).toBe('duplicate');
    expect(await stateOf(first.conversationId)).toEqual(['open']);
  });
});

describe('one conversation', () => {
  it("is answered with both forms of its numbers and the customer's consent", async () => {
    const queue = uniqueQueue('detail');
    const customer = newCustomer();
    const { id } = await start(queue, testClock().now, customer);
    await routeEvent(inboundEvent({ from: customer, text: 'STOP' }), h.routeDeps(queue));

    const response = await call(getConversation, { method: 'GET', route: '/conversations/{id}', params: { id } });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      id,
      state: 'open',
      queue,
      customerNumber: { e164: `+${customer}`, digits: customer },
      supportNumber: { e164: '+14252306549', digits: '14252306549' },
      inboundCount: 2,
      consent: { state: 'opted_out', keyword: 'STOP' },
    });
  });

  it.each(['nonsense', 'AAAAAAAAAAAAAAAAAAAAAA.1', 'AAAAAAAAAAAAAAAAAAAAAA.0'])(
    'answers 404 conversation_not_found for %p',
    async (id) => {
      const response = await call(getConversation, { method: 'GET', route: '/conversations/{id}', params: { id } });
      expect(response).toMatchObject({ status: 404, body: { error: { code: 'conversation_not_found' } } });
    },
  );

  it('lists its messages oldest first, with statuses and timelines, in pages', async () => {
    const queue = uniqueQueue('messages');
    const customer = newCustomer();
    const { id } = await start(queue, testClock().now, customer);
    const threadId = threadOf(customer);
    const state = await h.deps.threads.read(threadId);
    const sent: MessageRecord = {
      conversation: 1,
      m: 2,
      direction: 'outbound',
      text: 'We are on it 😀',
      segments: 1,
      encoding: 'UCS-2',
      createdAt: new Date().toISOString(),
      referenceId: 'ABCDEF0123456789ABCDEF0123456789',
      status: 'delivered',
      timeline: [
        { status: 'queued', at: '2026-01-01T10:00:00.000Z' },
        { status: 'sent', code: 290, description: 'Message in progress', at: '2026-01-01T10:00:01.000Z' },
        { status: 'delivered', code: 200, description: 'Delivered to handset', at: '2026-01-01T10:00:05.000Z' },
      ],
    };
    await h.deps.threads.commit(threadId, state.version, {
      thread: { ...state.thread!, nextMessage: 3 },
      newMessages: [sent],
    });
    await routeEvent(inboundEvent({ from: customer, text: 'thanks' }), h.routeDeps(queue));

    const route = '/conversations/{id}/messages';
    const first = await call(listConversationMessages, { method: 'GET', route, params: { id }, query: { limit: '2' } });
    const page1 = first.body as { items: Array<Record<string, unknown>>; continuationToken?: string };
    expect(page1.items.map((m) => [m.direction, m.text, m.status])).toEqual([
      ['inbound', 'hello', 'received'],
      ['outbound', 'We are on it 😀', 'delivered'],
    ]);
    expect(page1.items[1]).toMatchObject({ id: `${id}.2`, segments: 1, encoding: 'UCS-2', timeline: sent.timeline });
    const second = await call(listConversationMessages, {
      method: 'GET',
      route,
      params: { id },
      query: { limit: '2', continuationToken: page1.continuationToken! },
    });
    expect(second.body).toEqual({ items: [expect.objectContaining({ text: 'thanks' })] });

    const foreign = await call(listConversationMessages, {
      method: 'GET',
      route,
      params: { id: `${threadId}.2` },
      query: { continuationToken: page1.continuationToken! },
    });
    expect(foreign).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
  });
});

describe('transitions', () => {
  it('answer 409 invalid_transition naming the current state', async () => {
    const queue = uniqueQueue('illegal');
    const { id } = await start(queue, testClock().now);
    expect((await transition(waitConversation, 'wait', id)).status).toBe(200);
    const again = await transition(waitConversation, 'wait', id);
    expect(again).toMatchObject({
      status: 409,
      body: { error: { code: 'invalid_transition', details: { state: 'waiting' } } },
    });
    expect((again.body as { error: { message: string } }).error.message).toContain('waiting');

    expect((await transition(closeConversation, 'close', id)).status).toBe(200);
    for (const [handler, action, body] of [
      [assignConversation, 'assign', { agentId: 'a' }],
      [waitConversation, 'wait', undefined],
      [closeConversation, 'close', undefined],
    ] as const) {
      const refused = await transition(handler, action, id, body);
      expect(refused).toMatchObject({
        status: 409,
        body: { error: { code: 'invalid_transition', details: { state: 'closed' } } },
      });
    }
  });

  it('answer 400 to a body they cannot take and 404 to an unknown conversation', async () => {
    const { id } = await start(uniqueQueue('bodies'), testClock().now);
    expect(await transition(assignConversation, 'assign', id, {})).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_request' } },
    });
    expect(await transition(assignConversation, 'assign', id, { agentId: '  ' })).toMatchObject({ status: 400 });
    expect(await transition(closeConversation, 'close', id, { reason: 'x', extra: 1 })).toMatchObject({ status: 400 });
    const broken = await call(assignConversation, {
      method: 'POST',
      route: '/conversations/{id}/assign',
      params: { id },
      body: '{"agentId":',
    });
    expect(broken).toMatchObject({ status: 400, body: { error: { code: 'invalid_json' } } });
    expect(await transition(waitConversation, 'wait', 'AAAAAAAAAAAAAAAAAAAAAA.1')).toMatchObject({
      status: 404,
      body: { error: { code: 'conversation_not_found' } },
    });
  });
});
