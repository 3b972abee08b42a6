/**
 * The relay (shared/services/relayToDynamics.ts, through shared/dynamicsBridge.ts) against the real Dynamics
 * sandbox: the channel events that the services return for a routed SMS, a send and a close, relayed in order as
 * the `dynamics` subscription would hand them over. Storage is the in-memory adapter (the contract tests hold it
 * to the Table adapter's semantics); Telesign is a stand-in that accepts every send.
 */
import { startAzuriteTables } from '../../local/azurite';
import { DynamicsSandbox } from '../../local/dynamicsSandbox';
import type { ChannelEvent, MessageSentEvent } from '../../shared/domain/channelEvents';
import { threadIdOf } from '../../shared/domain/threadId';
import { createDynamicsBridge, type DynamicsBridge } from '../../shared/dynamicsBridge';
import { DeadLetterError } from '../../shared/errors';
import { createMemoryStores } from '../../shared/memory/memoryStores';
import type { Stores } from '../../shared/ports/stores';
import { autoReplies } from '../../shared/services/autoReplies';
import { changeConversation } from '../../shared/services/conversations';
import { routeEvent } from '../../shared/services/route';
import { sendMessage } from '../../shared/services/send';
import { parseSendRequest, type SendCommand } from '../../shared/services/sendRequest';
import { createTableClients, ensureTables } from '../../shared/storage/tableClients';
import { createTableStores } from '../../shared/storage/tableStores';
import { acceptingTelesign } from '../support/acceptingTelesign';
import { capturingLogger } from '../support/capturingLogger';
import { dynamicsSandboxEnv } from '../support/dynamicsSandboxEnv';
import { inboundEvent, testConfig, testRules, uniqueRef } from '../support/routeHarness';
import { account1, accountsSetting } from '../support/telesignFixtures';

const SECRET_NAME = 'dynamics-client-secret';
const SUPPORT = '14252306549';

let sandbox: DynamicsSandbox;
let stores: Stores;
let bridge: DynamicsBridge;
let lines: string[];
let sleeps: number[];
let reacted: ChannelEvent[];
let customerSeq = 100;
const newCustomer = () => `1425555${String(++customerSeq).padStart(4, '0')}`;

beforeAll(async () => {
  sandbox = await DynamicsSandbox.start();
});

afterAll(async () => {
  await sandbox.stop();
});

function configFor(extra: Record<string, string> = {}) {
  return testConfig({ ...dynamicsSandboxEnv(sandbox.settings(), SECRET_NAME), ...extra });
}

function buildBridge(extra: Record<string, string> = {}, retryBudgetMs = 30_000): DynamicsBridge {
  const built = createDynamicsBridge(configFor(extra), {
    threads: stores.threads,
    index: stores.index,
    links: stores.dynamicsLinks,
    // The agent's side is not exercised here (tests/integration/agentActivities.test.ts).
    activities: { publish: () => Promise.reject(new Error('not used')), close: async () => undefined },
    send: () => Promise.reject(new Error('not used')),
    change: async (id, action, log) => (await changeConversation(id, action, { ...routeDeps(), logger: log })).result,
    react: async (events) => void reacted.push(...events),
    secrets: {
      get: async (name) => {
        expect(name).toBe(SECRET_NAME);
        return sandbox.clientSecret()!;
      },
      invalidate() {},
    },
    ready: async () => undefined,
    // The pauses are recorded, not waited: what is asserted is how long the relay would wait.
    relay: { retryBudgetMs, sleep: async (ms) => void sleeps.push(ms), random: () => 1 },
  });
  if (!built) throw new Error('the bridge should be on');
  return built;
}

beforeEach(() => {
  sandbox.reset();
  sandbox.setWorkstreamLinked(true);
  stores = createMemoryStores();
  lines = [];
  sleeps = [];
  reacted = [];
  bridge = buildBridge();
});

const logger = () => capturingLogger(lines);
const routeDeps = () => ({
  ...stores,
  rules: testRules,
  accounts: testConfig().accounts,
  now: () => new Date(),
  logger: logger(),
});

async function receive(customer: string, text: string): Promise<ChannelEvent[]> {
  return (await routeEvent(inboundEvent({ from: customer, text }), routeDeps())).events;
}

const telesign = acceptingTelesign(uniqueRef);

/** The send service's deps, against the accepting Telesign. */
const sendDeps = () => ({
  ...routeDeps(),
  secrets: { get: async () => 'key', invalidate() {} },
  telesignFor: () => telesign,
});

async function send(customer: string, text: string, origin?: SendCommand['origin']): Promise<MessageSentEvent> {
  const parsed = parseSendRequest({ to: `+${customer}`, text }, undefined);
  if (!parsed.ok) throw parsed.error;
  const { events } = await sendMessage({ ...parsed.value, ...(origin ? { origin } : {}) }, sendDeps());
  const sent = events.find((e): e is MessageSentEvent => e.type === 'message.sent');
  if (!sent) throw new Error('no message.sent');
  return sent;
}

async function relayAll(events: ChannelEvent[]): Promise<void> {
  for (const event of events) await bridge.relay(event, logger());
}

const conversationIdOf = (customer: string) => `${threadIdOf(account1.customerId, SUPPORT, customer)}.1`;

async function linkedId(customer: string): Promise<string> {
  const record = await stores.threads.getConversation(threadIdOf(account1.customerId, SUPPORT, customer), 1);
  expect(record?.dynamicsConversationId).toBeDefined();
  return record!.dynamicsConversationId!;
}

const messagesIn = (id: string) => sandbox.conversation(id).messages.map((m) => [m.text, m.automated]);
const activityIds = (id: string) =>
  sandbox.conversation(id).customerActivities.map((a) => (a.activity as { id?: string; type: string }).id ?? a.kind);

describe('the first customer message', () => {
  it('creates the Dynamics conversation with our ids, the number, the context and the start message, and links it both ways', async () => {
    const customer = newCustomer();
    const events = await receive(customer, 'Where is my refund?');
    await relayAll(events);

    const id = await linkedId(customer);
    const conversationId = conversationIdOf(customer);
    const view = sandbox.conversation(id);
    expect(view.customerContext).toMatchObject({ customerid: conversationId, phonenumber: `+${customer}` });
    expect(view.conversationContext).toMatchObject({
      conversationId,
      supportNumber: `+${SUPPORT}`,
      supportNumberDescription: 'Support line',
      language: 'en-US',
      queue: 'billing',
      priority: 2,
    });
    const received = events.find((e) => e.type === 'message.received')!;
    expect(view.conversationRequestId).toBe((received as { inboundEventId: string }).inboundEventId);
    expect(messagesIn(id)).toEqual([['Where is my refund?', false]]);
    expect(await stores.dynamicsLinks.get(id.toUpperCase())).toMatchObject({
      dynamicsConversationId: id,
      threadId: threadIdOf(account1.customerId, SUPPORT, customer),
      conversation: 1,
    });
    expect(lines.join('\n')).not.toContain(customer);
  });

  it('is not posted again when its event is redelivered after the link was stored', async () => {
    const customer = newCustomer();
    const events = await receive(customer, 'Hello?');
    await relayAll(events);
    await relayAll(events);
    const id = await linkedId(customer);
    expect(sandbox.conversations()).toHaveLength(1);
    expect(messagesIn(id)).toEqual([['Hello?', false]]);
  });

  it('is posted as an activity when Dynamics answers with the conversation it had already (isNew false)', async () => {
    const customer = newCustomer();
    await relayAll(await receive(customer, 'first'));
    const id = await linkedId(customer);
    // The link is lost (a fresh store): the same conversation id is created again, and Dynamics returns its own.
    stores = createMemoryStores();
    bridge = buildBridge();
    const events = await receive(customer, 'first again');
    await relayAll(events);
    expect(await linkedId(customer)).toBe(id);
    expect(sandbox.conversations()).toHaveLength(1);
    expect(activityIds(id)).toEqual([`${conversationIdOf(customer)}.1`]);
    expect(messagesIn(id)).toEqual([
      ['first', false],
      ['first again', false],
    ]);
    expect(lines.some((l) => l.includes('"isNew":false'))).toBe(true);
  });

  it('is posted on redelivery when Dynamics had the conversation already and the post failed after the link', async () => {
    const customer = newCustomer();
    await relayAll(await receive(customer, 'first'));
    const id = await linkedId(customer);
    stores = createMemoryStores();
    bridge = buildBridge({}, 5_000);
    const events = await receive(customer, 'first again');
    // The link is stored, then the post fails past the bound: the event goes back for redelivery.
    sandbox.injectFaults([{ status: 503, retryAfterSeconds: 2, operation: 'activity', count: 5 }]);
    await expect(relayAll(events)).rejects.toMatchObject({ name: 'DynamicsError', kind: 'unavailable' });
    expect(await linkedId(customer)).toBe(id);
    expect(messagesIn(id)).toEqual([['first', false]]);

    sandbox.clearFaults();
    await relayAll(events);
    await relayAll(events);
    expect(sandbox.conversations()).toHaveLength(1);
    expect(messagesIn(id)).toEqual([
      ['first', false],
      ['first again', false],
    ]);
  });

  it('formats the number as DYNAMICS_CUSTOMER_PHONE_FORMAT says', async () => {
    bridge = buildBridge({ DYNAMICS_CUSTOMER_PHONE_FORMAT: 'national' });
    const customer = '14255550142';
    await relayAll(await receive(customer, 'Hi'));
    expect(sandbox.conversation(await linkedId(customer)).customerContext.phonenumber).toBe('(425) 555-0142');
  });
});

describe('what follows in a linked conversation', () => {
  it('posts later customer messages in order with our message ids, and our replies as automated ones', async () => {
    const customer = newCustomer();
    await relayAll(await receive(customer, 'first'));
    const id = await linkedId(customer);
    const second = await receive(customer, 'second');
    await relayAll(second);
    const reply = await send(customer, 'We are on it.');
    await bridge.relay(reply, logger());
    const auto = await send(customer, 'Reply STOP to opt out.', 'auto_reply');
    await bridge.relay(auto, logger());
    await relayAll(await receive(customer, 'third'));

    expect(messagesIn(id)).toEqual([
      ['first', false],
      ['second', false],
      ['We are on it.', true],
      ['Reply STOP to opt out.', true],
      ['third', false],
    ]);
    const conversationId = conversationIdOf(customer);
    expect(activityIds(id)).toEqual([`${conversationId}.2`, reply.messageId, auto.messageId, `${conversationId}.5`]);
  });

  it('posts a later customer message once, though its event is redelivered after the post', async () => {
    const customer = newCustomer();
    await relayAll(await receive(customer, 'first'));
    const id = await linkedId(customer);
    const second = await receive(customer, 'second');
    await relayAll(second);
    await relayAll(second);
    await relayAll(await receive(customer, 'third'));
    expect(messagesIn(id)).toEqual([
      ['first', false],
      ['second', false],
      ['third', false],
    ]);
  });

  it("mirrors our automatic HELP reply to a customer's HELP as an automated message after it", async () => {
    const help = 'Support line: reply STOP to opt out, START to opt back in. Msg&data rates may apply.';
    const accounts = JSON.parse(accountsSetting(account1)) as Array<{ supportNumbers: Record<string, unknown>[] }>;
    accounts[0].supportNumbers[0].autoReplies = { help };
    const sentEvents: ChannelEvent[] = [];
    // The reaction the app runs after the router's commit, with the real send service behind it.
    const replies = autoReplies({
      accounts: testConfig({ TELESIGN_ACCOUNTS: JSON.stringify(accounts) }).accounts,
      send: async (command, options, log) => {
        const { result, events } = await sendMessage(command, { ...sendDeps(), logger: log }, options);
        sentEvents.push(...events);
        return result;
      },
    });
    const customer = newCustomer();
    await relayAll(await receive(customer, 'first'));
    const id = await linkedId(customer);
    const helpEvents = await receive(customer, 'HELP');
    expect(helpEvents.find((e) => e.type === 'message.received')).toMatchObject({ consent: { kind: 'help' } });
    // As in the app: the router's events are published first, then the reactions run.
    await relayAll(helpEvents);
    await replies.react(helpEvents, { logger: logger() });
    const reply = sentEvents.find((e): e is MessageSentEvent => e.type === 'message.sent');
    expect(reply).toMatchObject({ origin: 'auto_reply', text: help });
    await relayAll(sentEvents);

    expect(messagesIn(id)).toEqual([
      ['first', false],
      ['HELP', false],
      [help, true],
    ]);
    expect(activityIds(id)).toEqual([`${conversationIdOf(customer)}.2`, reply!.messageId]);
  });

  it("never mirrors an agent's own reply (origin dynamics) back", async () => {
    const customer = newCustomer();
    await relayAll(await receive(customer, 'first'));
    const id = await linkedId(customer);
    await bridge.relay(await send(customer, 'Agent says hi', 'dynamics'), logger());
    expect(messagesIn(id)).toEqual([['first', false]]);
  });

  it('tells the agent about a message that was not delivered, once', async () => {
    const customer = newCustomer();
    await relayAll(await receive(customer, 'first'));
    const id = await linkedId(customer);
    const failed = { code: 'telesign_rejected', reason: 'the number is not reachable' };
    // An agent's reply the send refused: applyAgentActivity tells the agent (or retries), not the relay.
    const reply = await send(customer, 'Agent answer', 'dynamics');
    await bridge.relay({ ...reply, id: `${reply.id}-failed`, status: 'failed', failure: failed }, logger());
    // A plugin's send: mirrored, then the notice.
    const api = await send(customer, 'Your parcel left', 'api');
    await bridge.relay({ ...api, id: `${api.id}-failed`, status: 'failed', failure: failed }, logger());
    await bridge.relay(
      {
        schemaVersion: 1,
        id: `${reply.id}-expired`,
        type: 'message.status_changed',
        at: new Date().toISOString(),
        account: reply.account,
        threadId: reply.threadId,
        conversationId: reply.conversationId,
        messageId: reply.messageId,
        from: 'sent',
        to: 'expired',
        description: 'Message expired',
      },
      logger(),
    );
    expect(messagesIn(id)).toEqual([
      ['first', false],
      ['Your parcel left', true],
      ['Not delivered: the number is not reachable', true],
      ['Not delivered: Message expired', true],
    ]);
    expect(activityIds(id)).toEqual([api.messageId, `${api.messageId}-failed`, `${reply.messageId}-expired`]);
  });

  it('posts our automated copy and its notice once, though their events are redelivered', async () => {
    const customer = newCustomer();
    await relayAll(await receive(customer, 'first'));
    const id = await linkedId(customer);
    const api = await send(customer, 'Your parcel left', 'api');
    const failedEvent = {
      ...api,
      id: `${api.id}-failed`,
      status: 'failed' as const,
      failure: { code: 'telesign_rejected', reason: 'the number is not reachable' },
    };
    for (let delivery = 0; delivery < 3; delivery++) await bridge.relay(failedEvent, logger());
    expect(messagesIn(id)).toEqual([
      ['first', false],
      ['Your parcel left', true],
      ['Not delivered: the number is not reachable', true],
    ]);
  });

  it('ends the Dynamics conversation when ours closes, and a close it already had is done', async () => {
    const customer = newCustomer();
    await relayAll(await receive(customer, 'first'));
    const id = await linkedId(customer);
    const { events } = await changeConversation(
      conversationIdOf(customer),
      { kind: 'close', reason: 'resolved' },
      { ...stores, now: () => new Date(), logger: logger() },
    );
    const closed = events.filter((e) => e.type === 'conversation.state_changed');
    expect(closed).toHaveLength(1);
    await relayAll(closed);
    expect(sandbox.conversation(id).customerActivities.map((a) => a.kind)).toEqual(['endOfConversation']);
    expect(sandbox.conversation(id).state).not.toMatch(/^(open|active)$/i);
    // Redelivered: the conversation is closed there now, and the 404 that answers is the end already done.
    await expect(relayAll(closed)).resolves.toBeUndefined();
    expect(sandbox.conversation(id).customerActivities).toHaveLength(1);
  });

  it('skips what happens in a conversation that was never linked', async () => {
    const customer = newCustomer();
    await bridge.relay(await send(customer, 'Outbound first'), logger());
    expect(sandbox.conversations()).toHaveLength(0);
    expect(lines.some((l) => l.includes('not linked to Dynamics'))).toBe(true);
  });
});

describe('when Dynamics fails', () => {
  it('retries throttling and outages inside the handler, never sooner than Retry-After', async () => {
    const customer = newCustomer();
    sandbox.injectFaults([
      { status: 429, retryAfterSeconds: 3, operation: 'create' },
      { status: 503, retryAfterSeconds: 1, operation: 'create' },
      { status: 500, operation: 'create' },
    ]);
    await relayAll(await receive(customer, 'Are you there?'));
    expect(sleeps).toHaveLength(3);
    expect(sleeps[0]).toBeGreaterThanOrEqual(3000);
    expect(sleeps[1]).toBeGreaterThanOrEqual(1000);
    expect(sandbox.conversations()).toHaveLength(1);
    expect(messagesIn(await linkedId(customer))).toEqual([['Are you there?', false]]);
  });

  it('hands the event back for redelivery when the outage outlasts the bound, and the redelivery creates one conversation', async () => {
    bridge = buildBridge({}, 5_000);
    const customer = newCustomer();
    const events = await receive(customer, 'Still there?');
    sandbox.injectFaults([{ status: 503, retryAfterSeconds: 2, operation: 'create', count: 5 }]);
    await expect(relayAll(events)).rejects.toMatchObject({ name: 'DynamicsError', kind: 'unavailable' });
    expect(sleeps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(5_000);
    expect(lines.some((l) => l.startsWith('warn Dynamics still unavailable'))).toBe(true);

    sandbox.clearFaults();
    await relayAll(events);
    expect(sandbox.conversations()).toHaveLength(1);
    expect(messagesIn(await linkedId(customer))).toEqual([['Still there?', false]]);
  });

  it("dead-letters a refusal, naming Dynamics' code and correlation id, and logs them", async () => {
    sandbox.setWorkstreamLinked(false);
    const customer = newCustomer();
    const error = await relayAll(await receive(customer, 'Hello')).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DeadLetterError);
    const deadLetter = error as DeadLetterError;
    expect(deadLetter.reason).toBe('dynamics_rejected');
    expect(deadLetter.description).toMatch(/HTTP 400, code 30014, correlation id [0-9a-f-]{36}/);
    const logged = lines.find((l) => l.startsWith('error Dynamics refused'));
    expect(logged).toContain('"dynamicsCode":30014');
    expect(logged).toMatch(/"correlationId":"[0-9a-f-]{36}"/);
    expect(sleeps).toEqual([]);
  });

  it('dead-letters a customer message whose Dynamics conversation is closed, with DYNAMICS_ON_CONVERSATION_NOT_FOUND=deadLetter', async () => {
    bridge = buildBridge({ DYNAMICS_ON_CONVERSATION_NOT_FOUND: 'deadLetter' });
    const customer = newCustomer();
    await relayAll(await receive(customer, 'first'));
    sandbox.forceClose(await linkedId(customer));
    await expect(relayAll(await receive(customer, 'second'))).rejects.toMatchObject({
      name: 'DeadLetterError',
      reason: 'dynamics_conversation_closed',
    });
  });
});

describe('a customer message whose Dynamics conversation ended there (404, recreate by default)', () => {
  it('closes ours as closed_in_dynamics, starts the next and creates its Dynamics conversation with the message, once', async () => {
    const customer = newCustomer();
    await relayAll(await receive(customer, 'first'));
    const gone = await linkedId(customer);
    sandbox.forceClose(gone);
    const second = await receive(customer, 'second');
    await relayAll(second);
    await relayAll(second); // redelivered: nothing more

    const threadId = threadIdOf(account1.customerId, SUPPORT, customer);
    const first = await stores.threads.getConversation(threadId, 1);
    expect(first).toMatchObject({ state: 'closed', closeReason: 'closed_in_dynamics' });
    const next = await stores.threads.getConversation(threadId, 2);
    expect(next?.dynamicsConversationId).toBeDefined();
    expect(next!.dynamicsConversationId).not.toBe(gone);
    expect(messagesIn(next!.dynamicsConversationId!)).toEqual([['second', false]]);
    const mine = sandbox.conversations().filter((c) => c.customerContext.customerid?.startsWith(threadId));
    expect(mine).toHaveLength(2);
    // The next conversation's start went through the reactions, like any other change.
    expect(reacted.map((e) => e.type)).toContain('conversation.started');
  });
});

describe('on Table Storage', () => {
  it('stores the link both ways in one thread commit, and a redelivered first message posts nothing', async () => {
    const azurite = await startAzuriteTables();
    try {
      const tables = createTableClients({ kind: 'connectionString', connectionString: azurite.connectionString });
      await ensureTables(tables);
      stores = createTableStores(tables);
      bridge = buildBridge();
      const customer = newCustomer();
      const events = await receive(customer, 'first');
      await relayAll(events);
      await relayAll(events);
      const id = await linkedId(customer);
      const { thread } = await stores.threads.read(threadIdOf(account1.customerId, SUPPORT, customer));
      expect(thread?.conversation?.dynamicsConversationId).toBe(id);
      expect(await stores.dynamicsLinks.get(id)).toMatchObject({ conversation: 1 });
      await relayAll(await receive(customer, 'second'));
      expect(messagesIn(id)).toEqual([
        ['first', false],
        ['second', false],
      ]);
    } finally {
      await azurite.stop();
    }
  });
});
