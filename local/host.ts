import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';

import { consoleLogger } from '../shared/log';
import { type Channel, startChannel } from './channel';
import { defaultPorts, embeddedParts, readLocalSettings, SANDBOX_ACCOUNT } from './localSettings';

/**
 * `npm start`: the whole channel on this machine, no Azure, Telesign or Dynamics account needed.
 *   --data DIR   keep Table Storage data and the embedded broker's messages in DIR between runs (default: in memory)
 *   --port N     the HTTP host's port (default 7071; PORT works too)
 */
/** How long Ctrl-C waits for the triggers to handle what the channel acknowledged. */
const DRAIN_MS = 5000;

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  if (i < 0) return undefined;
  const value = process.argv[i + 1];
  if (value === undefined || value.startsWith('--')) throw new Error(`${name} needs a value.`);
  return value;
}

/**
 * The `--data` folder, made with its parents if missing (README's `--data ./data` on a fresh clone): Azurite
 * writes its file there but does not make the folder. A path that is a file is refused in so many words.
 */
function dataFolder(dir: string): string {
  const full = path.resolve(dir);
  try {
    mkdirSync(full, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'EEXIST'
        ? 'it is a file, not a folder'
        : code === 'ENOTDIR'
          ? 'a part of that path is a file, not a folder'
          : `it cannot be made (${(error as Error).message})`;
    throw new Error(`--data ${dir}: ${full} cannot hold the data: ${why}. Name a folder; it is made if missing.`);
  }
  if (!statSync(full).isDirectory())
    throw new Error(`--data ${dir}: ${full} cannot hold the data: it is not a folder. Name a folder.`);
  return full;
}

async function main() {
  const { env, source } = readLocalSettings();
  const parts = embeddedParts(env);
  const port = Number(argValue('--port') ?? process.env.PORT ?? defaultPorts.http);
  const dataArg = argValue('--data');
  const dataDir = dataArg ? dataFolder(dataArg) : undefined;
  const logger = consoleLogger();
  const channel = await startChannel({
    env,
    logger,
    ports: { http: port },
    dataFile: dataDir ? path.join(dataDir, 'tables.json') : undefined,
    brokerDataFile: dataDir && parts.broker ? path.join(dataDir, 'broker.json') : undefined,
    drainMs: DRAIN_MS,
  });

  const api = `${channel.http.url}/api`;
  const lines = [
    '',
    'Telesign SMS channel — local',
    `  settings        ${source}`,
    `  HTTP API        ${api}   (function key: ${channel.functionKey}, admin key: ${channel.adminKey})`,
    `  Table Storage   ${parts.tables ? `Azurite (its own thread) ${channel.azurite!.endpoint}${dataDir ? ` (data in ${dataDir})` : ' (in memory)'}` : 'the configured account'}`,
    `  Service Bus     ${parts.broker ? `embedded broker ${channel.env.ServiceBusConnection}` : 'the configured namespace'}`,
    `  Telesign        ${parts.sandbox ? `sandbox ${channel.sandbox!.url} (customer id ${SANDBOX_ACCOUNT.customerId}; its API key is in README)` : channel.env.TELESIGN_API_BASE_URL}`,
    `  Dynamics 365    ${dynamicsLine(channel)}`,
    `  Webhooks        ${webhooksLine(channel)}`,
    `  support number  ${SANDBOX_ACCOUNT.supportNumber}`,
    '',
    'Try it:',
    `  Console         ${channel.http.url}/`,
    `  npm run sms -- inbound --from +15555550100 --to +${SANDBOX_ACCOUNT.supportNumber} --text "Hi, my order has not arrived"`,
    '  npm run sms -- conversations',
    '  npm run sms -- send --conversation <id> --text "Sorry about that, checking now"',
    '  npm run sms -- show <id>',
    ...(channel.dynamicsSandbox
      ? [
          '  npm run sms -- agent list',
          '  npm run sms -- agent accept +15555550100',
          '  npm run sms -- agent reply +15555550100 --text "**Sorry** about that, checking now"',
          '  npm run sms -- agent end +15555550100',
        ]
      : []),
    'Ctrl-C stops everything.',
    '',
  ];
  console.log(lines.join('\n'));

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping… (new requests are refused; finishing what was acknowledged)`);
    const forced = setTimeout(() => {
      console.log('stopping took too long; exiting with work unfinished.');
      process.exit(1);
    }, DRAIN_MS + 4000);
    forced.unref();
    const report = await channel.stop();
    if (report.pending === 0) console.log('stopped: everything acknowledged was handled; ports freed.');
    else if (report.keptIn)
      console.log(
        `stopped: ${report.pending} message(s) not handled yet, kept in ${report.keptIn} for the next start.`,
      );
    else
      console.log(
        `stopped: ${report.pending} message(s) not handled yet were lost (no --data); start with --data DIR to keep them.`,
      );
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

function dynamicsLine(channel: Channel): string {
  if (channel.dynamicsSandbox)
    return `sandbox ${channel.dynamicsSandbox.url} (the agent's side: npm run sms -- agent …; webhook ${channel.http.url}/api/dynamics)`;
  const url = channel.env.DYNAMICS_MESSAGING_URL;
  return url ? `the Messaging API at ${url}` : 'bridge off (no DYNAMICS_MESSAGING_URL)';
}

/** Endpoint names only: a URL's query can hold a credential (docs/webhooks.md). */
function webhooksLine(channel: Channel): string {
  const endpoints = channel.app.config.webhooks?.endpoints;
  if (!endpoints) return 'none (WEBHOOK_ENDPOINTS; try npm run sms -- webhooks listen, docs/webhooks.md)';
  return `${endpoints.map((e) => `${e.name} (${e.events.join(', ')})`).join('; ')}; npm run sms -- webhooks status`;
}

main().catch((error) => {
  console.error(`The local channel could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
