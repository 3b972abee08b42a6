import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';

import { eventually } from '../support/eventually';

/**
 * The channel as README starts it: `npm start` in a child process, spoken to over HTTP only, the way a
 * developer, Telesign (the sandbox) and Dynamics would. Uses the default local ports (7071, 7072, 5672, 10002).
 */
const root = path.resolve(__dirname, '..', '..');
const api = 'http://127.0.0.1:7071/api';
const sandbox = 'http://127.0.0.1:7072';
const key = { 'x-functions-key': 'local-function-key' };
const dynamics = 'http://127.0.0.1:7073';
const ports = [7071, 7072, 5672, 10002, 7073];

let child: ChildProcess;
let output = '';

async function call(method: string, url: string, body?: unknown) {
  const response = await fetch(url, {
    method,
    headers: { ...key, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** `npm run sms -- …` as README shows it, without the rebuild npm start has just done. */
const sms = (...args: string[]) =>
  new Promise<string>((resolve, reject) =>
    execFile('node', [path.join(root, 'dist', 'local', 'cli.js'), ...args], { cwd: root }, (error, stdout, stderr) =>
      error ? reject(new Error(`sms ${args.join(' ')}: ${stderr || error.message}`)) : resolve(stdout),
    ),
  );

const portIsFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

beforeAll(async () => {
  // Like a terminal: the process gets its own group, and Ctrl-C (SIGINT) goes to the whole group.
  child = spawn('npm', ['start'], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const started = Date.now();
  while (!output.includes('Ctrl-C stops everything')) {
    if (child.exitCode !== null) throw new Error(`npm start exited early:\n${output}`);
    if (Date.now() - started > 150_000) throw new Error(`npm start did not come up:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}, 160_000);

afterAll(async () => {
  if (child.exitCode === null && child.signalCode === null) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

describe('npm start', () => {
  it('prints where each part listens and how to try it', () => {
    expect(output).toContain('http://127.0.0.1:7071/api');
    expect(output).toContain('npm run sms -- inbound');
    expect(output).not.toContain('VGVzdCBLZXk=');
  });

  let conversationId: string;

  it("shows a customer's SMS as an open conversation within 2 seconds", async () => {
    const inbound = await call('POST', `${sandbox}/sandbox/inbound`, {
      from: '15555550100',
      to: '14252306549',
      text: 'Hi, my order has not arrived',
    });
    expect(inbound.body.callbackStatus).toBe(200);
    const listed = await eventually(
      () => call('GET', `${api}/conversations?state=open`),
      (r) => r.body?.items?.length > 0,
      2000,
    );
    expect(listed.status).toBe(200);
    expect(listed.body.items[0]).toMatchObject({
      state: 'open',
      customerNumber: { e164: '+15555550100', digits: '15555550100' },
    });
    conversationId = listed.body.items[0].id;
  });

  it('sends a reply that reaches the sandbox and is reported delivered', async () => {
    const reply = await call('POST', `${api}/messages`, { conversationId, text: 'Sorry about that, checking now.' });
    expect(reply.status).toBe(202);
    const sent = await call('GET', `${sandbox}/sandbox/messages`);
    expect(sent.body).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ phoneNumber: '15555550100', message: 'Sorry about that, checking now.' }),
      ]),
    );
    const messages = await eventually(
      () => call('GET', `${api}/conversations/${conversationId}/messages`),
      (r) =>
        r.body.items.some(
          (m: { id: string; status: string }) => m.id === reply.body.messageId && m.status === 'delivered',
        ),
    );
    expect(messages.body.items.find((m: { id: string }) => m.id === reply.body.messageId)).toMatchObject({
      status: 'delivered',
    });
  });

  it('opts the customer out on STOP, and a later send answers 409', async () => {
    await call('POST', `${sandbox}/sandbox/inbound`, { from: '15555550100', to: '14252306549', text: 'STOP' });
    const detail = await eventually(
      () => call('GET', `${api}/conversations/${conversationId}`),
      (r) => r.body.consent?.state === 'opted_out',
      5000,
    );
    expect(detail.body.consent.state).toBe('opted_out');
    const refused = await call('POST', `${api}/messages`, { conversationId, text: 'One more thing' });
    expect(refused).toMatchObject({ status: 409, body: { error: { code: 'recipient_opted_out' } } });
  });

  describe('with the Dynamics sandbox as Contact Center', () => {
    const customer = '15555550111';
    type Conversation = {
      conversationId: string;
      state: string;
      customerContext: Record<string, string>;
      messages: Array<{ sender: string; text?: string; automated: boolean }>;
    };
    const inDynamics = async () =>
      ((await call('GET', `${dynamics}/_sandbox/conversations`)).body as Conversation[]).filter(
        (c) => c.customerContext.phonenumber === `+${customer}`,
      );
    const customerTexts = (c: Conversation) =>
      c.messages.filter((m) => m.sender === 'customer' && !m.automated).map((m) => m.text);
    const texts = (text: string) =>
      call('POST', `${sandbox}/sandbox/inbound`, { from: customer, to: '14252306549', text });
    let ours: string;

    it('prints the sandbox and the agent commands', () => {
      expect(output).toContain(`Dynamics 365    sandbox ${dynamics}`);
      expect(output).toContain('npm run sms -- agent reply');
      expect(output).not.toContain('dynamics-sandbox-client-secret');
    });

    it("creates one Dynamics conversation with the customer's number, and the next SMS arrive in it in order", async () => {
      expect((await texts('My parcel is late')).body.callbackStatus).toBe(200);
      await eventually(inDynamics, (found) => found.length === 1, 5000);
      expect((await texts('Order 4411')).body.callbackStatus).toBe(200);
      expect((await texts('It was due Monday')).body.callbackStatus).toBe(200);
      const [conversation] = await eventually(
        inDynamics,
        (found) => found.length === 1 && customerTexts(found[0]).length === 3,
        5000,
      );
      expect(customerTexts(conversation)).toEqual(['My parcel is late', 'Order 4411', 'It was due Monday']);
      expect(conversation.state).toBe('Open');
      const listed = await call('GET', `${api}/conversations?state=open`);
      ours = listed.body.items.find(
        (c: { customerNumber: { digits: string } }) => c.customerNumber.digits === customer,
      ).id;
    });

    it('carries the agent: accepted, a markdown reply reaches the phone once as plain text and is delivered', async () => {
      expect(await sms('agent', 'accept', `+${customer}`, '--agent-name', 'Ada')).toContain('Active');
      // Dynamics' AgentAccepted names no one (docs/dynamics-protocol.md §5): active now, the agent named by the reply.
      await eventually(
        () => call('GET', `${api}/conversations/${ours}`),
        (r) => r.body.state === 'active',
        5000,
      );
      expect(await sms('agent', 'reply', `+${customer}`, '--text', '**Sorry**, it _ships_ today')).toContain('Active');
      const onPhone = await eventually(
        async () =>
          ((await call('GET', `${sandbox}/sandbox/messages`)).body as Array<{ phoneNumber: string; message: string }>)
            .filter((m) => m.phoneNumber === customer)
            .map((m) => m.message),
        (found) => found.length > 0,
        5000,
      );
      expect(onPhone).toEqual(['Sorry, it ships today']);
      const detail = await eventually(
        () => call('GET', `${api}/conversations/${ours}`),
        (r) => r.body.agentName !== undefined,
        5000,
      );
      expect(detail.body).toMatchObject({ state: 'active', agentName: 'Ada' });
      expect(detail.body.agentId).toEqual(expect.any(String));
      const messages = await eventually(
        () => call('GET', `${api}/conversations/${ours}/messages`),
        (r) =>
          r.body.items.some(
            (m: { direction: string; status: string }) => m.direction === 'outbound' && m.status === 'delivered',
          ),
        5000,
      );
      expect(messages.body.items.filter((m: { direction: string }) => m.direction === 'outbound')).toHaveLength(1);
    });

    it("closes ours when the agent ends it, and the customer's next SMS starts a new Dynamics conversation", async () => {
      expect(await sms('agent', 'end', `+${customer}`)).toContain('Closed');
      await eventually(
        () => call('GET', `${api}/conversations/${ours}`),
        (r) => r.body.state === 'closed',
        5000,
      );
      expect((await texts('One more question')).body.callbackStatus).toBe(200);
      const found = await eventually(inDynamics, (all) => all.length === 2, 5000);
      const next = found.find((c) => c.state !== 'Closed')!;
      expect(customerTexts(next)).toEqual(['One more question']);
      expect((await sms('agent', 'list')).split('\n').filter((l) => l.includes(`+${customer}`))).toHaveLength(1);
    });

    it.each([
      ['no token', undefined],
      ['an expired token', { expiresInSeconds: -600 }],
      ['a token for another audience', { audience: 'api://someone-else' }],
      ['a token from another tenant', { tenantId: '11111111-2222-4333-8444-555555555555' }],
    ])('answers a webhook with %s 401, and sends nothing', async (_case, claims) => {
      const [open] = (await inDynamics()).filter((c) => c.state !== 'Closed');
      const token = claims && (await call('POST', `${dynamics}/_sandbox/tokens/webhook`, claims)).body.token;
      const before = (await call('GET', `${sandbox}/sandbox/messages`)).body.length;
      const response = await fetch(`${api}/dynamics/v3/conversations/${open.conversationId}/activities`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ type: 'message', from: { id: 'agent-x' }, text: 'Not from Dynamics' }),
      });
      expect(response.status).toBe(401);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
      await new Promise((r) => setTimeout(r, 300));
      expect((await call('GET', `${sandbox}/sandbox/messages`)).body.length).toBe(before);
    });

    it('leaves nothing dead-lettered', async () => {
      const report = await sms('dead-letters');
      expect(report).toContain('sms-inbound: empty');
      expect(report).toContain('channel-events/Subscriptions/dynamics: empty');
      expect(report).toContain('dynamics-activities: empty');
    });
  });

  it('stops on Ctrl-C within 5 seconds and frees its ports', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const sent = Date.now();
    process.kill(-child.pid!, 'SIGINT');
    await exited;
    expect(Date.now() - sent).toBeLessThan(5000);
    for (const port of ports) expect(await portIsFree(port)).toBe(true);
  });
});
