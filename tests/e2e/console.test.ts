jest.mock('@azure/functions-core', () => require('../../local/functionsCore'), { virtual: true });

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';

import { type ChannelHarness, startChannelHarness } from '../support/channelHarness';
import { recordFigures } from '../support/figures';

/**
 * The local console (issue 16) in headless Chromium: Debian's /usr/bin/chromium driven by playwright-core, which
 * downloads no browser. The channel runs in this process, the page is served by its local HTTP host, and every
 * step is what a person would do with the mouse and keyboard, found by label and role.
 */
const root = path.resolve(__dirname, '..', '..');
const CHROMIUM = '/usr/bin/chromium';
const ACTION_MS = 5_000;
const customer = '+15555550100';

let harness: ChannelHarness;
let context: BrowserContext;
let page: Page;
let profile: string;

const pane = (name: string) => page.getByRole('region', { name });
const phoneThread = () => pane("Customer's phone").getByRole('list', { name: 'Messages on the phone' });
const transcript = () => pane('Agent').getByRole('list', { name: 'Transcript' });
const seen = (locator: Locator, timeout = ACTION_MS) => locator.first().waitFor({ state: 'visible', timeout });

async function phoneSends(text: string) {
  await pane("Customer's phone").getByLabel('Text message').fill(text, { timeout: ACTION_MS });
  await pane("Customer's phone").getByRole('button', { name: 'Send SMS' }).click({ timeout: ACTION_MS });
}

async function agentSends(text: string) {
  await pane('Agent').getByLabel('Reply', { exact: true }).fill(text, { timeout: ACTION_MS });
  await pane('Agent').getByRole('button', { name: 'Send reply' }).click({ timeout: ACTION_MS });
}

beforeAll(async () => {
  // CI runs npm test without npm run build: the page's script is compiled here as the build would.
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.console.json'], {
    cwd: root,
  });
  harness = await startChannelHarness({ env: { DYNAMICS_MESSAGING_URL: 'off' } });
  profile = mkdtempSync(path.join(tmpdir(), 'console-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  page = context.pages()[0] ?? (await context.newPage());
}, 60_000);

afterAll(async () => {
  await context?.close();
  await harness?.stop();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

test('the console plays the phone, the agent and the operator against the running channel', async () => {
  // Page load to the first live update: the event stream's first message, rendered as "Live".
  await page.goto(`${harness.channel.http.url}/`, { timeout: ACTION_MS });
  await seen(page.getByRole('status').filter({ hasText: 'Live' }));
  const firstLiveMs = Number(await page.locator('body').getAttribute('data-first-live-ms', { timeout: ACTION_MS }));
  expect(firstLiveMs).toBeGreaterThan(0);
  recordFigures('console', { pageLoadToFirstLiveUpdateMs: firstLiveMs });
  console.log(`console: page load to first live update ${firstLiveMs} ms`);

  // The customer texts us; the agent sees it within 2 s, pushed by the event stream.
  await pane("Customer's phone").getByLabel('Customer number').fill(customer, { timeout: ACTION_MS });
  const sentAt = Date.now();
  await phoneSends('Hi, my order has not arrived');
  await seen(transcript().getByText('Hi, my order has not arrived'), 2_000);
  const inboundToAgentMs = Date.now() - sentAt;
  await seen(pane('Agent').getByRole('list', { name: 'Conversations' }).getByRole('button', { name: customer }), 2_000);

  // The agent replies; the phone shows the reply, then its delivered tick.
  await agentSends('Sorry about that, checking now');
  const reply = phoneThread().getByRole('listitem', { name: 'Support: Sorry about that, checking now' });
  await seen(reply);
  await seen(reply.getByText('delivered'));

  // STOP is just an SMS: once the channel has it, the agent's next send is refused, inline.
  await pane("Customer's phone").getByRole('button', { name: 'STOP', exact: true }).click({ timeout: ACTION_MS });
  await seen(phoneThread().getByText(/no longer receive messages/));
  await agentSends('Are you still there?');
  await seen(
    pane('Agent')
      .getByRole('alert')
      .getByText(/recipient_opted_out/),
  );

  // START opts back in; then Telesign fails every call: the transcript shows the failure.
  await pane("Customer's phone").getByRole('button', { name: 'START', exact: true }).click({ timeout: ACTION_MS });
  await seen(phoneThread().getByText(/Welcome back/));
  const faults = pane('Operator').getByRole('group', { name: 'Telesign sandbox fault' });
  await faults.getByRole('button', { name: '500' }).click({ timeout: ACTION_MS });
  await seen(faults.getByRole('button', { name: '500', pressed: true }));
  await agentSends('Your parcel leaves today');
  const attempt = transcript().getByRole('listitem').filter({ hasText: 'Your parcel leaves today' });
  await seen(attempt.filter({ hasText: 'failed' }));

  // Switched off, the retry (the same Idempotency-Key, which the send API lets through after such a failure) goes.
  await faults.getByRole('button', { name: 'Off' }).click({ timeout: ACTION_MS });
  await seen(faults.getByRole('button', { name: 'Off', pressed: true }));
  await pane('Agent').getByRole('button', { name: 'Retry' }).click({ timeout: ACTION_MS });
  await seen(attempt.filter({ hasText: 'delivered' }));
  await seen(phoneThread().getByRole('listitem', { name: 'Support: Your parcel leaves today' }).getByText('delivered'));

  // All three panes hold something now: this is README's picture.
  await seen(pane('Operator').getByText('ok: storage ok'));
  await page.screenshot({ path: path.join(root, 'docs', 'console.png'), timeout: ACTION_MS });
  console.log(`console: customer's SMS in the agent pane after ${inboundToAgentMs} ms`);
}, 30_000);
