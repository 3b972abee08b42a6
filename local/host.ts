import path from 'node:path';

import { consoleLogger } from '../shared/log';
import { type Channel, startChannel } from './channel';
import { defaultPorts, embeddedParts, readLocalSettings, SANDBOX_ACCOUNT } from './localSettings';

/**
 * `npm start`: the whole channel on this machine, no Azure, Telesign or Dynamics account needed.
 *   --data DIR   keep Table Storage data in DIR between runs (default: in memory)
 *   --port N     the HTTP host's port (default 7071; PORT works too)
 */
function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main() {
  const { env, source } = readLocalSettings();
  const parts = embeddedParts(env);
  const port = Number(argValue('--port') ?? process.env.PORT ?? defaultPorts.http);
  const dataDir = argValue('--data');
  const logger = consoleLogger();
  const channel = await startChannel({
    env,
    logger,
    ports: { http: port },
    dataFile: dataDir ? path.resolve(dataDir, 'tables.json') : undefined,
  });

  const api = `${channel.http.url}/api`;
  const lines = [
    '',
    'Telesign SMS channel — local',
    `  settings        ${source}`,
    `  HTTP API        ${api}   (function key: ${channel.functionKey}, admin key: ${channel.adminKey})`,
    `  Table Storage   ${parts.tables ? `Azurite in-process ${channel.azurite!.endpoint}${dataDir ? ` (data in ${dataDir})` : ' (in memory)'}` : 'the configured account'}`,
    `  Service Bus     ${parts.broker ? `embedded broker ${channel.env.ServiceBusConnection}` : 'the configured namespace'}`,
    `  Telesign        ${parts.sandbox ? `sandbox ${channel.sandbox!.url} (customer id ${SANDBOX_ACCOUNT.customerId}; its API key is in README)` : channel.env.TELESIGN_API_BASE_URL}`,
    `  Dynamics 365    ${dynamicsLine(channel)}`,
    `  support number  ${SANDBOX_ACCOUNT.supportNumber}`,
    '',
    'Try it:',
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
    console.log(`\n${signal}: stopping…`);
    const forced = setTimeout(() => process.exit(1), 4000);
    forced.unref();
    await channel.stop();
    console.log('stopped; ports freed.');
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

main().catch((error) => {
  console.error(`The local channel could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
