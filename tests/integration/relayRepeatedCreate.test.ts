/**
 * A create of the Dynamics conversation that Dynamics took but the relay did not see through
 * (shared/services/dynamicsCreate.ts), against the Dynamics sandbox, with the stores in memory. Its repeat is
 * answered with that conversation and `isNew: false`, and the customer's message, already its start message, must
 * not be posted into it again: neither when the create's answer was lost (a timeout, retried inside the handler)
 * nor when the handler failed before the link was stored (the event redelivered). A conversation Dynamics had
 * before the message was ever sent still gets it posted (tests/integration/relayToDynamics.test.ts).
 */
import { DynamicsSandbox } from '../../local/dynamicsSandbox';
import type { ChannelEvent } from '../../shared/domain/channelEvents';
import { threadIdOf } from '../../shared/domain/threadId';
import { DynamicsError } from '../../shared/dynamics/dynamicsError';
import type { MessagingClient } from '../../shared/dynamics/messagingClient';
import { createDynamicsBridge, type DynamicsBridge } from '../../shared/dynamicsBridge';
import { AppError } from '../../shared/errors';
import { createMemoryStores } from '../../shared/memory/memoryStores';
import type { DynamicsLinkStore } from '../../shared/ports/dynamicsLinks';
import type { Stores } from '../../shared/ports/stores';
import { changeConversation } from '../../shared/services/conversations';
import { routeEvent } from '../../shared/services/route';
import { auditedLogger } from '../support/capturingLogger';
import { dynamicsSandboxEnv } from '../support/dynamicsSandboxEnv';
import { inboundEvent, testConfig, testRules } from '../support/routeHarness';
import { sandboxMessagingClient } from '../support/sandboxMessagingClient';
import { account1 } from '../support/telesignFixtures';

const SECRET_NAME = 'dynamics-client-secret';
const SUPPORT = '14252306549';

let sandbox: DynamicsSandbox;
let messaging: MessagingClient;
let stores: Stores;
let customerSeq = 300;
const newCustomer = () => `1425555${String(++customerSeq).padStart(4, '0')}`;

beforeAll(async () => {
  sandbox = await DynamicsSandbox.start();
  messaging = sandboxMessagingClient(sandbox, SECRET_NAME);
});

afterAll(async () => {
  await sandbox.stop();
});

beforeEach(() => {
  sandbox.reset();
  sandbox.setWorkstreamLinked(true);
  stores = createMemoryStores();
});

/** Dynamics takes the first create, and its answer is lost on the way back: the client times out. */
function losingFirstCreateAnswer(real: MessagingClient): MessagingClient {
  let lost = false;
  return {
    ...real,
    async createConversation(request) {
      const created = await real.createConversation(request);
      if (lost) return created;
      lost = true;
      throw new DynamicsError('unavailable', 'Dynamics did not answer within 10000 ms.', { outcomeUnknown: true });
    },
  };
}

/** The first link write fails: the handler throws after the create, before the link is stored. */
function failingFirstLinkWrite(real: DynamicsLinkStore): DynamicsLinkStore {
  let failed = false;
  return {
    get: (id) => real.get(id),
    async put(link) {
      if (failed) return real.put(link);
      failed = true;
      throw new AppError('storage_unavailable', 'Table Storage could not be reached; retry later.');
    },
  };
}

function buildBridge(parts: { messaging?: MessagingClient; links?: DynamicsLinkStore } = {}): DynamicsBridge {
  const built = createDynamicsBridge(testConfig(dynamicsSandboxEnv(sandbox.settings(), SECRET_NAME)), {
    threads: stores.threads,
    index: stores.index,
    links: parts.links ?? stores.dynamicsLinks,
    messaging: parts.messaging ?? messaging,
    activities: { publish: () => Promise.reject(new Error('not used')), close: async () => undefined },
    send: () => Promise.reject(new Error('not used')),
    change: async (id, action, log) => (await changeConversation(id, action, { ...routeDeps(), logger: log })).result,
    react: async () => undefined,
    secrets: { get: async () => sandbox.clientSecret()!, invalidate() {} },
    ready: async () => undefined,
    relay: { sleep: async () => undefined, random: () => 1 },
  });
  if (!built) throw new Error('the bridge should be on');
  return built;
}

const routeDeps = () => ({
  ...stores,
  rules: testRules,
  accounts: testConfig().accounts,
  now: () => new Date(),
  logger: auditedLogger,
});

async function receive(customer: string, text: string): Promise<ChannelEvent[]> {
  return (await routeEvent(inboundEvent({ from: customer, text }), routeDeps())).events;
}

async function relayAll(bridge: DynamicsBridge, events: ChannelEvent[]): Promise<void> {
  for (const event of events) await bridge.relay(event, auditedLogger);
}

async function linkedId(customer: string, n = 1): Promise<string> {
  const record = await stores.threads.getConversation(threadIdOf(account1.customerId, SUPPORT, customer), n);
  expect(record?.dynamicsConversationId).toBeDefined();
  return record!.dynamicsConversationId!;
}

const messagesIn = (id: string) => sandbox.conversation(id).messages.map((m) => m.text);
const conversationsOf = (customer: string) =>
  sandbox.conversations().filter((c) => c.customerContext.phonenumber === `+${customer}`);

describe('a first customer message whose create Dynamics took, unseen by the relay', () => {
  it('is not posted again when the answer was lost and the create retried inside the handler', async () => {
    const bridge = buildBridge({ messaging: losingFirstCreateAnswer(messaging) });
    const customer = newCustomer();
    await relayAll(bridge, await receive(customer, 'first'));
    await relayAll(bridge, await receive(customer, 'second'));

    expect(conversationsOf(customer)).toHaveLength(1);
    expect(messagesIn(await linkedId(customer))).toEqual(['first', 'second']);
  });

  it('is not posted again when the handler failed before the link was stored and the event was redelivered', async () => {
    const bridge = buildBridge({ links: failingFirstLinkWrite(stores.dynamicsLinks) });
    const customer = newCustomer();
    const events = await receive(customer, 'first');
    await expect(relayAll(bridge, events)).rejects.toMatchObject({ code: 'storage_unavailable' });
    await relayAll(bridge, events);
    await relayAll(bridge, await receive(customer, 'second'));

    expect(conversationsOf(customer)).toHaveLength(1);
    expect(messagesIn(await linkedId(customer))).toEqual(['first', 'second']);
  });

  it('is still posted into a conversation Dynamics had before, when only a throttled create came first', async () => {
    const customer = newCustomer();
    await relayAll(buildBridge(), await receive(customer, 'first'));
    const id = await linkedId(customer);
    // The link is lost (a fresh store), and the create that finds Dynamics' conversation is throttled once first.
    stores = createMemoryStores();
    sandbox.injectFaults([{ status: 429, retryAfterSeconds: 1, operation: 'create' }]);
    await relayAll(buildBridge(), await receive(customer, 'first again'));

    expect(await linkedId(customer)).toBe(id);
    expect(messagesIn(id)).toEqual(['first', 'first again']);
  });
});

describe('a customer message that recreates its ended Dynamics conversation, unseen by the relay', () => {
  async function endedInDynamics(customer: string, bridge: DynamicsBridge): Promise<string> {
    await relayAll(bridge, await receive(customer, 'first'));
    const gone = await linkedId(customer);
    sandbox.forceClose(gone);
    return gone;
  }

  it('is not posted again when the answer was lost and the create retried inside the handler', async () => {
    const customer = newCustomer();
    await endedInDynamics(customer, buildBridge());
    const bridge = buildBridge({ messaging: losingFirstCreateAnswer(messaging) });
    await relayAll(bridge, await receive(customer, 'second'));

    expect(messagesIn(await linkedId(customer, 2))).toEqual(['second']);
  });

  it('is not posted again when the handler failed before the link was stored and the event was redelivered', async () => {
    const customer = newCustomer();
    await endedInDynamics(customer, buildBridge());
    const bridge = buildBridge({ links: failingFirstLinkWrite(stores.dynamicsLinks) });
    const events = await receive(customer, 'second');
    await expect(relayAll(bridge, events)).rejects.toMatchObject({ code: 'storage_unavailable' });
    await relayAll(bridge, events);

    expect(conversationsOf(customer)).toHaveLength(2);
    expect(messagesIn(await linkedId(customer, 2))).toEqual(['second']);
  });
});
