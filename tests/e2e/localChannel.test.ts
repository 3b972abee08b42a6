import { type ChildProcess, spawn } from 'node:child_process';
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
const ports = [7071, 7072, 5672, 10002];

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

  it('stops on Ctrl-C within 5 seconds and frees its ports', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const sent = Date.now();
    process.kill(-child.pid!, 'SIGINT');
    await exited;
    expect(Date.now() - sent).toBeLessThan(5000);
    for (const port of ports) expect(await portIsFree(port)).toBe(true);
  });
});
