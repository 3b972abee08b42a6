import { Command } from 'commander';

import type { TableSettings } from '../shared/config';
import { normalizePhone } from '../shared/domain/phone';
import type { OutboundWebhooks } from '../shared/outboundWebhooks';
import { deadLetterClient } from './deadLetterClient';
import { entityOf, listDeadLetters, replayDeadLetters } from './deadLetters';
import { channelDeadLetterSources, sourceNamed } from './deadLetterSources';
import {
  defaultPorts,
  embeddedParts,
  LOCAL_FUNCTION_KEY,
  LOCAL_WEBHOOK_SECRET_NAME,
  readLocalSettings,
} from './localSettings';
import { openWebhookAdmin, storageAccountUri } from './webhookAdmin';
import { deliveryLine, failedLine, localEndpointsSetting, refusedLine } from './webhookDeliveryLine';
import { DEFAULT_WEBHOOK_RECEIVER_PORT, localWebhookSecrets, startWebhookReceiver } from './webhookReceiver';

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

/** The Service Bus the local channel uses: --service-bus, else the embedded broker or local.settings.json's. */
function serviceBusConnection(): string {
  const chosen = program.opts<{ serviceBus?: string }>().serviceBus;
  if (chosen) return chosen;
  return embeddedParts(env).broker
    ? `Endpoint=sb://127.0.0.1:${defaultPorts.broker};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true`
    : env.ServiceBusConnection!;
}

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
    const client = deadLetterClient({ namespace: o.namespace, connectionString: serviceBusConnection() });
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

function integerOption(value: string, what: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new Error(`${what} must be a whole number from ${min} to ${max}.`);
  return n;
}

// The channel's outbound webhooks (docs/webhooks.md): subcommands sit side by side under `webhooks`.
const webhooks = program.command('webhooks').description('the outbound webhooks (docs/webhooks.md)');
webhooks
  .command('listen')
  .description(
    "receive the local channel's webhook deliveries, verify each with the standardwebhooks package and print it",
  )
  .option('--port <n>', 'the port to listen on, on 127.0.0.1', String(DEFAULT_WEBHOOK_RECEIVER_PORT))
  .option('--secret-name <name>', 'the LOCAL_SECRETS entry holding the whsec_ secret(s)', LOCAL_WEBHOOK_SECRET_NAME)
  .option(
    '--status <code>',
    'the status to answer a verified delivery with: 500 to make the channel retry, 410 to disable the endpoint',
    '204',
  )
  .action(async (o: { port: string; secretName: string; status: string }) => {
    const port = integerOption(o.port, '--port', 0, 65535);
    const status = integerOption(o.status, '--status', 200, 599);
    const secrets = localWebhookSecrets(env, o.secretName);
    const receiver = await startWebhookReceiver({
      port,
      secrets,
      answer: () => status,
      onDelivery: (d) => console.log(deliveryLine(d, status)),
      onRefused: (r) => console.log(refusedLine(r)),
    }).catch((error: NodeJS.ErrnoException) => {
      throw error.code === 'EADDRINUSE' ? new Error(`Port ${port} is taken: give another with --port <n>.`) : error;
    });
    console.log(
      `Listening on ${receiver.url}: every delivery verified with the local secret ${o.secretName}${secrets.length > 1 ? ` (${secrets.length} values, as while it is rotated: either verifies)` : ''} and answered ${status}.`,
    );
    console.log("For npm start to deliver here, set WEBHOOK_ENDPOINTS in local.settings.json's Values to");
    console.log(`  ${localEndpointsSetting(receiver.url, o.secretName)}`);
    console.log('that is, the line');
    console.log(`  "WEBHOOK_ENDPOINTS": ${JSON.stringify(localEndpointsSetting(receiver.url, o.secretName))},`);
    console.log('and restart npm start. Ctrl-C stops.');
    await new Promise<void>((resolve) => process.once('SIGINT', resolve));
    await receiver.close();
  });

type AdminOptions = { namespace?: string; storageAccount?: string };

/**
 * The local channel's table and queue, or with --namespace and --storage-account a deployment's, signed in as the
 * operator (az login). The endpoints come from WEBHOOK_ENDPOINTS: local.settings.json, or the environment.
 */
async function withWebhookAdmin(o: AdminOptions, work: (webhooks: OutboundWebhooks) => Promise<void>) {
  if (Boolean(o.namespace) !== Boolean(o.storageAccount))
    throw new Error('Give --namespace and --storage-account together, to reach a deployment.');
  const local = !o.namespace;
  // A deployment's endpoints are its app setting, exported into the environment (docs/webhooks.md).
  const endpoints = process.env.WEBHOOK_ENDPOINTS;
  const settings = endpoints === undefined ? env : { ...env, WEBHOOK_ENDPOINTS: endpoints };
  const tables: TableSettings = local
    ? { kind: 'connectionString', connectionString: env.AzureWebJobsStorage || 'UseDevelopmentStorage=true' }
    : { kind: 'identity', tableServiceUri: storageAccountUri(o.storageAccount!) };
  const client = deadLetterClient({ namespace: o.namespace, connectionString: serviceBusConnection() });
  const admin = openWebhookAdmin(settings, { tables, serviceBus: client, local });
  try {
    await work(admin.webhooks);
  } finally {
    await admin.close();
    await client.close();
  }
}

const adminOptions = (command: Command) =>
  command
    .option('--namespace <name>', "a deployment's Service Bus namespace (sb-…), with --storage-account; az login")
    .option('--storage-account <name>', "a deployment's storage account (st…), with --namespace");

adminOptions(
  webhooks
    .command('status')
    .description(
      'each endpoint: enabled or disabled (it answered 410), failed deliveries, conversations held by a retry',
    ),
).action((o: AdminOptions) =>
  withWebhookAdmin(o, async (w) => {
    for (const e of await w.status())
      console.log(
        `${e.name}: ${e.state}${e.disabledAt ? ` since ${e.disabledAt} (answered 410; change its url or secretName to enable it)` : ''}, ${e.failed} failed, ${e.retrying} conversation(s) waiting on a retry`,
      );
  }),
);

adminOptions(
  webhooks
    .command('failed')
    .description('the deliveries given up on, oldest first, with their reason')
    .option('--endpoint <name>', 'only this endpoint'),
).action((o: AdminOptions & { endpoint?: string }) =>
  withWebhookAdmin(o, async (w) => {
    const failed = await w.failed(o.endpoint, 1000);
    console.log(failed.length ? `${failed.length} failed deliveries` : 'no failed delivery');
    for (const line of failed.map(failedLine)) console.log(`  ${line}`);
  }),
);

adminOptions(
  webhooks
    .command('replay [eventIds...]')
    .description('send failed deliveries again (all of them, or these webhook-ids), with the same webhook-id')
    .option('--endpoint <name>', 'only this endpoint'),
).action((eventIds: string[], o: AdminOptions & { endpoint?: string }) =>
  withWebhookAdmin(o, async (w) => {
    const result = await w.replay(
      { endpoint: o.endpoint, eventIds: eventIds.length ? eventIds : undefined },
      { info: () => undefined, warn: () => undefined, error: () => undefined },
    );
    console.log(
      result.replayed.length
        ? `requeued ${result.replayed.length}; each is delivered with its webhook-id, in its conversation's order`
        : 'nothing to replay',
    );
    for (const line of result.replayed.map(failedLine)) console.log(`  ${line}`);
    if (result.notFound.length) console.log(`not among the failed deliveries: ${result.notFound.join(', ')}`);
  }),
);

program.parseAsync().catch((error) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
