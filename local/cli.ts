import { ServiceBusClient } from '@azure/service-bus';
import { Command } from 'commander';

import { normalizePhone } from '../shared/domain/phone';
import { listDeadLetters, replayDeadLetters } from './deadLetters';
import { defaultPorts, embeddedParts, LOCAL_FUNCTION_KEY, readLocalSettings } from './localSettings';

/**
 * `npm run sms -- <command>`: try the running local channel (`npm start`) from a terminal. It talks to the
 * channel the way its users do: the sandbox's control API for a customer's phone, the HTTP API for an agent,
 * and Service Bus for the operator's dead-letter queue.
 */
const { env } = readLocalSettings();
const program = new Command();
program
  .name('sms')
  .description('Try the local Telesign SMS channel started with npm start')
  .option('--api <url>', "the channel's HTTP API", `http://127.0.0.1:${defaultPorts.http}/api`)
  .option('--sandbox <url>', 'the Telesign sandbox', `http://127.0.0.1:${defaultPorts.sandbox}`)
  .option('--key <functionKey>', 'function key', env.LOCAL_FUNCTION_KEY || LOCAL_FUNCTION_KEY)
  .option(
    '--service-bus <connectionString>',
    'the Service Bus the channel uses (default: the embedded broker on its default port)',
  );

type Globals = { api: string; sandbox: string; key: string };
const globals = () => program.opts<Globals>();

async function call(method: string, url: string, body?: unknown, headers: Record<string, string> = {}) {
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: {
        'x-functions-key': globals().key,
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch {
    throw new Error(`Nothing answers at ${url}. Is the channel running (npm start)?`);
  }
  const text = await response.text();
  const json = text ? JSON.parse(text) : undefined;
  if (!response.ok) {
    const error = json?.error;
    throw new Error(`${response.status} ${typeof error === 'object' ? `${error.code}: ${error.message}` : text}`);
  }
  return json;
}

function digits(value: string, what: string): string {
  const parsed = normalizePhone(value);
  if (parsed.ok) return parsed.digits;
  if (/^\d{3,8}$/.test(value)) return value;
  throw new Error(`${what}: ${parsed.message}`);
}

program
  .command('inbound')
  .description('a customer texts your support number (through the Telesign sandbox)')
  .requiredOption('--from <number>', "the customer's number")
  .option('--to <number>', 'your support number', '14252306549')
  .requiredOption('--text <text>', 'what the customer writes')
  .action(async (o: { from: string; to: string; text: string }) => {
    const result = await call('POST', `${globals().sandbox}/sandbox/inbound`, {
      from: digits(o.from, '--from'),
      to: digits(o.to, '--to'),
      text: o.text,
    });
    console.log(
      `Telesign delivered it to the callback (answer ${result.callbackStatus}); reference ${result.referenceId}.`,
    );
  });

program
  .command('send')
  .description('an agent replies (or texts a customer first)')
  .option('--conversation <id>', 'reply in this conversation')
  .option('--to <number>', 'text this customer first')
  .option('--from <number>', 'from this support number')
  .requiredOption('--text <text>', 'the message')
  .option('--idempotency-key <key>', 'makes a retry safe')
  .action(async (o: { conversation?: string; to?: string; from?: string; text: string; idempotencyKey?: string }) => {
    if (!o.conversation && !o.to) throw new Error('Give --conversation <id> or --to <number>.');
    const body = o.conversation
      ? { conversationId: o.conversation, text: o.text }
      : { to: o.to, from: o.from, text: o.text };
    const result = await call(
      'POST',
      `${globals().api}/messages`,
      body,
      o.idempotencyKey ? { 'idempotency-key': o.idempotencyKey } : {},
    );
    console.log(
      `${result.status}: message ${result.messageId} in ${result.conversationId} (${result.segments} ${result.encoding} segment${result.segments === 1 ? '' : 's'})`,
    );
    if (result.note) console.log(result.note);
  });

program
  .command('conversations')
  .description('list conversations, newest activity first')
  .option('--state <state>', 'open, active, waiting or closed')
  .option('--queue <queue>', 'a routing queue')
  .action(async (o: { state?: string; queue?: string }) => {
    const query = new URLSearchParams(Object.entries(o).filter(([, v]) => v) as [string, string][]);
    const result = await call('GET', `${globals().api}/conversations?${query}`);
    const items: Array<{
      id: string;
      state: string;
      queue: string;
      customerNumber?: { e164: string };
      lastActivityAt?: string;
    }> = result.items ?? [];
    if (items.length === 0) console.log('No conversations.');
    for (const c of items) {
      console.log(
        `${c.id}  ${String(c.state).padEnd(7)}  ${String(c.queue).padEnd(10)}  ${c.customerNumber?.e164 ?? ''}  ${c.lastActivityAt ?? ''}`,
      );
    }
  });

program
  .command('show <id>')
  .description("a conversation's transcript with delivery status")
  .action(async (id: string) => {
    const conversation = await call('GET', `${globals().api}/conversations/${encodeURIComponent(id)}`);
    const messages = await call('GET', `${globals().api}/conversations/${encodeURIComponent(id)}/messages?limit=100`);
    const customer = conversation.customerNumber?.e164 ?? '';
    console.log(
      `${conversation.id}  ${conversation.state}  queue ${conversation.queue}${conversation.agentId ? `  agent ${conversation.agentId}` : ''}  customer ${customer}`,
    );
    for (const m of messages.items ?? []) {
      const who = m.direction === 'inbound' ? 'customer' : 'agent   ';
      const status = m.direction === 'outbound' ? `  [${m.status}]` : '';
      console.log(`${m.createdAt}  ${who}  ${m.text}${status}`);
    }
  });

program
  .command('dead-letters')
  .description('events the router gave up on; --replay puts them back on the queue')
  .option('--replay', 'requeue them (after a fix); the router applies each once')
  .action(async (o: { replay?: boolean }) => {
    const queue = env.INBOUND_QUEUE_NAME || 'sms-inbound';
    const chosen = program.opts<{ serviceBus?: string }>().serviceBus;
    const connection = chosen
      ? chosen
      : embeddedParts(env).broker
        ? `Endpoint=sb://127.0.0.1:${defaultPorts.broker};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true`
        : env.ServiceBusConnection!;
    const client = new ServiceBusClient(connection, { retryOptions: { maxRetries: 1, timeoutInMs: 5000 } });
    try {
      const letters = o.replay ? await replayDeadLetters(client, queue) : await listDeadLetters(client, queue);
      if (letters.length === 0) console.log('The dead-letter queue is empty.');
      for (const d of letters)
        console.log(
          `${d.messageId}  ${d.eventType ?? ''}  session ${d.sessionId}  ${d.reason ?? ''}: ${d.description ?? ''}`,
        );
      if (o.replay && letters.length) console.log(`Requeued ${letters.length}; the router applies each once.`);
    } finally {
      await client.close();
    }
  });

program.parseAsync().catch((error) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
