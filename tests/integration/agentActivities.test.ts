/**
 * The agent's side of the bridge (shared/services/agentActivities.ts, through shared/dynamicsBridge.ts) against
 * the real Dynamics sandbox: its webhook deliveries, tokens included, reach a small HTTP front that hands them to
 * `receiveActivity`; what is queued is then applied in order with the real send and conversation services.
 * The queue is a stand-in that drops a repeated messageId, as Service Bus duplicate detection does.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { DynamicsSandbox } from '../../local/dynamicsSandbox';
import { threadIdOf } from '../../shared/domain/threadId';
import { createDynamicsBridge, type DynamicsBridge } from '../../shared/dynamicsBridge';
import { httpStatusOf } from '../../shared/http/toHttp';
import { createMemoryStores } from '../../shared/memory/memoryStores';
import type { Stores } from '../../shared/ports/stores';
import type { QueuedAgentActivity } from '../../shared/queue/activityPublisher';
import { changeConversation } from '../../shared/services/conversations';
import { routeEvent } from '../../shared/services/route';
import { sendMessage } from '../../shared/services/send';
import type { TelesignClient } from '../../shared/telesign/client';
import { capturingLogger } from '../support/capturingLogger';
import { dynamicsSandboxEnv } from '../support/dynamicsSandboxEnv';
import { inboundEvent, testConfig, testRules, uniqueRef } from '../support/routeHarness';
import { account1 } from '../support/telesignFixtures';

const SUPPORT = '14252306549';

let sandbox: DynamicsSandbox;
let front: Server;
let frontUrl: string;
let stores: Stores;
let bridge: DynamicsBridge;
let lines: string[];
let queued: Map<string, QueuedAgentActivity>;
let smsSent: { to: string; text: string }[];
let statuses: number[];
let customerSeq = 300;
const newCustomer = () => `1425555${String(++customerSeq).padStart(4, '0')}`;
const logger = () => capturingLogger(lines);

beforeAll(async () => {
  sandbox = await DynamicsSandbox.start();
  front = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', () => {
      const id = /\/conversations\/([^/]+)\/activities$/.exec(req.url ?? '')?.[1] ?? '';
      void bridge
        .receiveActivity({ conversationId: id, authorization: req.headers.authorization, body: raw }, logger())
        .then((outcome) => {
          const status = outcome.ok ? 200 : httpStatusOf[outcome.error.code];
          statuses.push(status);
          res.writeHead(status).end();
        });
    });
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  frontUrl = `http://127.0.0.1:${(front.address() as AddressInfo).port}/api/dynamics`;
});

afterAll(async () => {
  await new Promise((resolve) => front.close(resolve));
  await sandbox.stop();
});

const telesign: TelesignClient = {
  sendSms: async (request) => {
    smsSent.push({ to: request.phoneNumber, text: request.message });
    return { referenceId: uniqueRef(), status: { code: 290, description: 'Message in progress' }, raw: {} };
  },
  getStatus: () => Promise.reject(new Error('not used')),
  checkCredentials: () => Promise.reject(new Error('not used')),
};

const routeDeps = () => ({
  ...stores,
  rules: testRules,
  accounts: testConfig().accounts,
  now: () => new Date(),
  logger: logger(),
});

function buildBridge(): DynamicsBridge {
  const config = testConfig(dynamicsSandboxEnv(sandbox.settings(), 'dynamics-client-secret'));
  const built = createDynamicsBridge(config, {
    threads: stores.threads,
    index: stores.index,
    links: stores.dynamicsLinks,
    activities: {
      publish: async (message) => {
        if (!queued.has(message.messageId)) queued.set(message.messageId, message.body);
      },
      close: async () => undefined,
    },
    send: async (command, log) =>
      (
        await sendMessage(command, {
          ...routeDeps(),
          logger: log,
          secrets: { get: async () => 'key', invalidate() {} },
          telesignFor: () => telesign,
        })
      ).result,
    change: async (id, action, log) => (await changeConversation(id, action, { ...routeDeps(), logger: log })).result,
    react: async () => undefined,
    secrets: { get: async () => sandbox.clientSecret()!, invalidate() {} },
    ready: async () => undefined,
    relay: { retryBudgetMs: 5_000, sleep: async () => undefined, random: () => 1 },
  });
  if (!built) throw new Error('the bridge should be on');
  return built;
}

beforeEach(() => {
  sandbox.reset();
  sandbox.setWorkstreamLinked(true);
  sandbox.configureWebhook({ url: frontUrl, eventFrom: 'sample' });
  stores = createMemoryStores();
  lines = [];
  queued = new Map();
  smsSent = [];
  statuses = [];
  bridge = buildBridge();
});

/** A customer SMS routed and relayed: the Dynamics conversation exists and is linked. */
async function customerWrites(customer: string, text: string): Promise<string> {
  const { events } = await routeEvent(inboundEvent({ from: customer, text }), routeDeps());
  for (const event of events) await bridge.relay(event, logger());
  const record = await stores.threads.getConversation(threadIdOf(account1.customerId, SUPPORT, customer), 1);
  return record!.dynamicsConversationId!;
}

async function applyQueued(): Promise<void> {
  await sandbox.webhookIdle();
  for (const body of queued.values()) await bridge.applyActivity(body, logger());
  queued.clear();
}

const conversationOf = (customer: string) =>
  stores.threads.getConversation(threadIdOf(account1.customerId, SUPPORT, customer), 1);

describe('the webhook token', () => {
  const activity = { type: 'message', id: 'a1', text: 'hello' };
  it.each([
    ['no token', async () => undefined],
    ['an expired token', () => sandbox.mintWebhookToken({ expiresInSeconds: -600 }).then((t) => `Bearer ${t}`)],
    ['another audience', () => sandbox.mintWebhookToken({ audience: 'api://other' }).then((t) => `Bearer ${t}`)],
    ['another tenant', () => sandbox.mintWebhookToken({ tenantId: 'other-tenant' }).then((t) => `Bearer ${t}`)],
  ])('refuses %s with unauthorized, and queues nothing', async (_name, authorization) => {
    const outcome = await bridge.receiveActivity(
      { conversationId: 'c0ffee00-0000-4000-8000-000000000001', authorization: await authorization(), body: activity },
      logger(),
    );
    expect(outcome).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect(queued.size).toBe(0);
  });
});

describe('an agent reply', () => {
  it('reaches the customer as one SMS, once, even when Dynamics delivers the webhook twice', async () => {
    const customer = newCustomer();
    const id = await customerWrites(customer, 'Where is my refund?');
    // The AgentAccepted sample carries no agent; with `eventFrom: agent` it names who joined (assign).
    sandbox.configureWebhook({ url: frontUrl, eventFrom: 'agent' });
    sandbox.accept(id, { id: 'agent-1', name: 'Ada' });
    sandbox.setWebhookFaults({ duplicate: { next: 1 } });
    sandbox.reply(id, 'It left today.');
    await applyQueued();
    await sandbox.webhookIdle();
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(smsSent).toEqual([{ to: customer, text: 'It left today.' }]);
    expect(await conversationOf(customer)).toMatchObject({ agentId: 'agent-1', agentName: 'Ada' });
    expect(lines.join('\n')).not.toContain(customer);
  });

  it("assigns ours to the agent who answers, when Dynamics' AgentAccepted named no one", async () => {
    const customer = newCustomer();
    const id = await customerWrites(customer, 'Is anyone there?');
    sandbox.accept(id, { id: 'agent-3', name: 'Cy' });
    await applyQueued();
    expect(await conversationOf(customer)).toMatchObject({ state: 'active' });
    sandbox.reply(id, 'Yes, *Cy* here.');
    await applyQueued();
    expect(await conversationOf(customer)).toMatchObject({ state: 'active', agentId: 'agent-3', agentName: 'Cy' });
    expect(smsSent).toEqual([{ to: customer, text: 'Yes, Cy here.' }]);
  });

  it('longer than 1,600 characters goes out as several SMS cut at word boundaries, in order, each once, even when Dynamics delivers the webhook twice', async () => {
    const customer = newCustomer();
    const id = await customerWrites(customer, 'Tell me everything');
    sandbox.accept(id, { id: 'agent-4', name: 'Di' });
    await applyQueued();
    // Words of uneven length and no sentence end: only a space can end a part.
    const words = Array.from({ length: 600 }, (_, i) => `word${i}${'x'.repeat(i % 7)}`);
    const text = words.join(' ');
    expect(text.length).toBeGreaterThan(3_200);
    statuses = [];
    sandbox.setWebhookFaults({ duplicate: { next: 1 } });
    sandbox.reply(id, text);
    await sandbox.webhookIdle();
    expect(statuses).toEqual([200, 200]);
    const bodies = [...queued.values()];
    expect(bodies).toHaveLength(1);
    // Applied twice, as Service Bus redelivers a message whose lock was lost: the parts still go once.
    await applyQueued();
    for (const body of bodies) await bridge.applyActivity(body, logger());

    expect(smsSent.length).toBeGreaterThanOrEqual(3);
    expect(smsSent.every((sms) => sms.to === customer)).toBe(true);
    const parts = smsSent.map((sms) => sms.text);
    expect(parts.every((part) => part.length <= 1_600)).toBe(true);
    expect(new Set(parts).size).toBe(parts.length);
    // Each part is whole words, and the parts in the order sent are the reply.
    expect(parts.flatMap((part) => part.split(' '))).toEqual(words);
  });

  it('is not sent to a customer who opted out, and the agent is told', async () => {
    const customer = newCustomer();
    const id = await customerWrites(customer, 'hi');
    sandbox.accept(id);
    await routeEvent(inboundEvent({ from: customer, text: 'STOP' }), routeDeps());
    smsSent = [];
    sandbox.reply(id, 'Are you there?');
    await applyQueued();
    expect(smsSent).toEqual([]);
    const notices = sandbox
      .conversation(id)
      .messages.filter((m) => m.automated)
      .map((m) => m.text);
    expect(notices.some((t) => t?.includes('opted out'))).toBe(true);
  });
});

describe('a system event', () => {
  it('from the sample AgentAccepted (no agent) makes ours active, the agent still unknown', async () => {
    const customer = newCustomer();
    const id = await customerWrites(customer, 'hi');
    sandbox.accept(id, { id: 'agent-2', name: 'Bo' });
    await applyQueued();
    expect(smsSent).toEqual([]);
    const conversation = await conversationOf(customer);
    expect(conversation).toMatchObject({ state: 'active' });
    expect(conversation?.agentId).toBeUndefined();
    expect(lines.some((l) => l.includes('"event":"AgentAccepted","action":"accept"'))).toBe(true);
  });

  it('is never sent as SMS: an end closes ours, a transfer is noted', async () => {
    const customer = newCustomer();
    const id = await customerWrites(customer, 'hi');
    sandbox.accept(id);
    sandbox.sendEvent(id, 'AgentTransferred');
    await applyQueued();
    expect(smsSent).toEqual([]);
    sandbox.end(id);
    await applyQueued();
    expect(smsSent).toEqual([]);
    expect(await conversationOf(customer)).toMatchObject({ state: 'closed' });
  });

  it.each([
    ['an end', (id: string) => sandbox.end(id), 'AgentEndSession'],
    ["a supervisor's force close", (id: string) => sandbox.forceClose(id), 'SupervisorForceClosedConversation'],
    ['a timeout', (id: string) => sandbox.timeout(id), 'ConversationClosed'],
  ])("from %s closes ours, with the event's name as the close reason", async (_name, act, eventName) => {
    const customer = newCustomer();
    const id = await customerWrites(customer, 'hi');
    sandbox.accept(id);
    await applyQueued();
    act(id);
    await applyQueued();
    expect(smsSent).toEqual([]);
    expect(await conversationOf(customer)).toMatchObject({ state: 'closed', closeReason: eventName });
  });

  it('from a transfer, or of a name the bridge does not know, is noted on the timeline, sends no SMS, and changes no state', async () => {
    const customer = newCustomer();
    const id = await customerWrites(customer, 'hi');
    sandbox.accept(id);
    await applyQueued();
    sandbox.transfer(id, { to: 'agent', outcome: 'failed' });
    sandbox.sendEvent(id, 'SomethingNewFromDynamics');
    await expect(applyQueued()).resolves.toBeUndefined();
    expect(smsSent).toEqual([]);
    const conversation = await conversationOf(customer);
    expect(conversation).toMatchObject({ state: 'active' });
    expect(conversation?.notes?.map((n) => n.event)).toEqual([
      'dynamics:TransferToAgentInitiated',
      'dynamics:TransferToAgentFailed',
      'dynamics:SomethingNewFromDynamics',
    ]);
    expect(lines.some((l) => l.includes('"event":"SomethingNewFromDynamics","action":"note"'))).toBe(true);
  });
});
