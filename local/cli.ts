import { Command } from 'commander';

import { normalizePhone } from '../shared/domain/phone';
import { deadLetterClient } from './deadLetterClient';
import { entityOf, listDeadLetters, replayDeadLetters } from './deadLetters';
import { channelDeadLetterSources, sourceNamed } from './deadLetterSources';
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
  .option('--dynamics <url>', 'the Dynamics sandbox', `http://127.0.0.1:${defaultPorts.dynamics}`)
  .option('--key <functionKey>', 'function key', env.LOCAL_FUNCTION_KEY || LOCAL_FUNCTION_KEY)
  .option(
    '--service-bus <connectionString>',
    'the Service Bus the channel uses (default: the embedded broker on its default port)',
  );

type Globals = { api: string; sandbox: string; dynamics: string; key: string };
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
    // The channel answers {error: {code, message}}; the sandboxes' control APIs {error: code, message}.
    const detail =
      typeof error === 'object' && error
        ? `${error.code}: ${error.message}`
        : typeof error === 'string'
          ? `${error}: ${json.message ?? ''}`
          : text;
    throw new Error(`${response.status} ${detail}`);
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
      `${conversation.id}  ${conversation.state}  queue ${conversation.queue}${conversation.agentId ? `  agent ${conversation.agentName ?? conversation.agentId}` : ''}  customer ${customer}`,
    );
    for (const m of messages.items ?? []) {
      const who = m.direction === 'inbound' ? 'customer' : 'agent   ';
      const status = m.direction === 'outbound' ? `  [${m.status}]` : '';
      console.log(`${m.createdAt}  ${who}  ${m.text}${status}`);
    }
  });

// The agent's side, played on the Dynamics sandbox's control API; a conversation is named by its Dynamics id, a
// unique prefix of it, or the customer's number.
type SandboxConversation = {
  conversationId: string;
  state: string;
  createdAt: string;
  agent?: { id: string; name: string };
  customerContext: Record<string, string>;
  messages: Array<{ timestamp: string; sender: string; text?: string; automated: boolean }>;
};
const agentCall = (ref: string, action: string, body: unknown = {}) =>
  call('POST', `${globals().dynamics}/_sandbox/conversations/${encodeURIComponent(ref)}/${action}`, body).then(
    (result: { conversation: SandboxConversation }) => result.conversation,
  );
const agentSummary = (c: SandboxConversation) =>
  `${c.conversationId}  ${c.state.padEnd(7)}  ${c.customerContext.phonenumber ?? ''}${c.agent ? `  agent ${c.agent.name}` : ''}`;

const agent = program
  .command('agent')
  .description(
    "play the Dynamics agent (the Dynamics sandbox started by npm start): the bridge carries it to the customer's phone",
  );
agent
  .command('list')
  .description('Dynamics conversations, with what the customer sent')
  .option('--all', 'closed ones too')
  .action(async (o: { all?: boolean }) => {
    const all: SandboxConversation[] = await call('GET', `${globals().dynamics}/_sandbox/conversations`);
    const shown = o.all ? all : all.filter((c) => c.state !== 'Closed');
    if (shown.length === 0) console.log('No Dynamics conversations.');
    for (const c of shown) {
      console.log(agentSummary(c));
      for (const m of c.messages)
        console.log(
          `    ${m.timestamp}  ${m.automated ? 'automated' : m.sender.padEnd(9)}  ${m.text ?? '(attachment)'}`,
        );
    }
  });
agent
  .command('accept <conversation>')
  .description('the agent accepts it: ours becomes active with the agent')
  .option('--agent-name <name>', "the agent's name")
  .action(async (ref: string, o: { agentName?: string }) => {
    console.log(agentSummary(await agentCall(ref, 'accept', o.agentName ? { agentName: o.agentName } : {})));
  });
agent
  .command('reply <conversation>')
  .description('the agent replies (markdown); the customer gets it as plain text')
  .requiredOption('--text <text>', 'the reply')
  .action(async (ref: string, o: { text: string }) => {
    console.log(agentSummary(await agentCall(ref, 'reply', { text: o.text })));
  });
agent
  .command('end <conversation>')
  .description('the agent ends it: ours closes')
  .action(async (ref: string) => {
    console.log(agentSummary(await agentCall(ref, 'end')));
  });

program
  .command('dead-letters')
  .description('what a trigger gave up on (inbound events, Dynamics relays, agent activities); --replay puts it back')
  .option(
    '--namespace <name>',
    'a Service Bus namespace in Azure (sb-… or its host name), signed in with DefaultAzureCredential (az login)',
  )
  .option('--queue <entity>', 'only this entity: a queue, or topic/Subscriptions/subscription')
  .option('--replay', 'requeue them (after a fix) under new message ids, in their sessions; each is applied once')
  .action(async (o: { namespace?: string; queue?: string; replay?: boolean }) => {
    // In Azure the entity names are the template's defaults unless its parameters changed them: then --queue.
    const sources = o.queue ? [sourceNamed(o.queue)] : channelDeadLetterSources(o.namespace ? {} : env);
    const chosen = program.opts<{ serviceBus?: string }>().serviceBus;
    const connectionString = chosen
      ? chosen
      : embeddedParts(env).broker
        ? `Endpoint=sb://127.0.0.1:${defaultPorts.broker};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true`
        : env.ServiceBusConnection!;
    const client = deadLetterClient({ namespace: o.namespace, connectionString });
    try {
      for (const source of sources) {
        const letters = o.replay ? await replayDeadLetters(client, source) : await listDeadLetters(client, source);
        console.log(`${entityOf(source)}: ${letters.length ? `${letters.length} dead-lettered` : 'empty'}`);
        for (const d of letters)
          console.log(
            `  ${d.messageId}  ${d.eventType ?? ''}  session ${d.sessionId}  ${d.reason ?? ''}: ${d.description ?? ''}${d.replayedAs ? `  -> ${d.replayedAs}` : ''}`,
          );
        if (o.replay && letters.length) console.log(`  requeued ${letters.length}; each is applied once.`);
      }
    } finally {
      await client.close();
    }
  });

program.parseAsync().catch((error) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
