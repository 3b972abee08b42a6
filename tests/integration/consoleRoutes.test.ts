jest.mock('@azure/functions-core', () => require('../../local/functionsCore'), { virtual: true });

import { estimateSegments } from '../../shared/domain/segments';
import { type ChannelHarness, eventually, startChannelHarness } from '../support/channelHarness';

/**
 * The console's routes on the local host (local/console/): the page and its config, the key on everything but the
 * static files, the operator state, the proxies (only into the sandboxes' control prefixes), the event stream,
 * and a stop that open streams cannot hold up.
 */
let harness: ChannelHarness;
let base: string;
const key = () => ({ 'x-functions-key': harness.channel.functionKey });

beforeAll(async () => {
  harness = await startChannelHarness({ env: { DYNAMICS_MESSAGING_URL: 'off' } });
  base = harness.channel.http.url;
});
afterAll(() => harness?.stop());

it('serves the page with its config inline, and its stylesheet, without a key', async () => {
  const page = await fetch(`${base}/`);
  expect(page.status).toBe(200);
  const html = await page.text();
  const config = JSON.parse(/<script id="config" type="application\/json">([\s\S]*?)<\/script>/.exec(html)![1]);
  expect(config).toEqual({
    functionKey: harness.channel.functionKey,
    dynamicsSandbox: false,
    supportNumbers: ['14252306549'],
  });
  expect((await fetch(`${base}/console/console.css`)).status).toBe(200);
});

it('asks for the function key on every other console route', async () => {
  for (const path of ['/console/state', '/console/events', '/console/telesign/messages'])
    expect((await fetch(`${base}${path}`)).status).toBe(401);
  expect((await fetch(`${base}/console/state`, { headers: { 'x-functions-key': 'wrong' } })).status).toBe(401);
});

it("counts the phone's segments with the send path's own estimate, and refuses a body without text", async () => {
  for (const text of ['', 'Hi, my order has not arrived', 'a'.repeat(161), `${'a'.repeat(152)}€`, 'Thanks 👍']) {
    const answer = await fetch(`${base}/console/segments`, {
      method: 'POST',
      headers: { ...key(), 'content-type': 'application/json' },
      body: JSON.stringify({ text }),
    });
    const { encoding, segments, characters } = estimateSegments(text);
    expect(await answer.json()).toEqual({ encoding, segments, characters });
  }
  const refused = await fetch(`${base}/console/segments`, { method: 'POST', headers: key(), body: '{"text": 3}' });
  expect([refused.status, ((await refused.json()) as any).error.code]).toEqual([400, 'invalid_request']);
  expect((await fetch(`${base}/console/segments`, { method: 'POST', body: '{"text": ""}' })).status).toBe(401);
});

it('answers the operator state: health, depths, dead letters and the Telesign fault switch', async () => {
  const state = (await (await fetch(`${base}/console/state`, { headers: key() })).json()) as any;
  expect(state.health.status).toBe('ok');
  expect(state.broker.queues.map((q: { name: string }) => q.name)).toContain('sms-inbound');
  expect(state.deadLetters).toEqual([]);
  expect(state.telesignFault).toEqual({ fault: null });
});

it('proxies into the sandbox control prefix only, passing the status through', async () => {
  const put = await fetch(`${base}/console/telesign/fault-switch`, {
    method: 'PUT',
    headers: { ...key(), 'content-type': 'application/json' },
    body: JSON.stringify({ fault: { status: 500 } }),
  });
  expect(put.status).toBe(200);
  expect(await (await fetch(`${harness.channel.sandbox!.url}/sandbox/fault-switch`)).json()).toEqual({
    fault: { status: 500 },
  });
  await fetch(`${base}/console/telesign/fault-switch`, {
    method: 'PUT',
    headers: { ...key(), 'content-type': 'application/json' },
    body: JSON.stringify({ fault: null }),
  });
  expect((await fetch(`${base}/console/telesign/nothing-here`, { headers: key() })).status).toBe(404);
  // No Dynamics sandbox in this channel, and nothing outside the two prefixes.
  expect((await fetch(`${base}/console/dynamics/conversations`, { headers: key() })).status).toBe(404);
  expect((await fetch(`${base}/console/telesign/%2e%2e/v1/messaging`, { headers: key() })).status).toBe(404);
});

it('streams the channel events, and the stop ends open streams', async () => {
  const stream = await fetch(`${base}/console/events?code=${harness.channel.functionKey}`);
  expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = stream.body!.getReader();
  let text = '';
  const reading = (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      text += Buffer.from(value).toString();
    }
  })();
  await harness.api('POST', '/api/messages', { to: '+15555550177', text: 'Your order shipped' });
  await eventually(
    () => Promise.resolve(text),
    (t) => /event: channel\ndata: \{"type":"message\.sent"/.test(t),
    5_000,
  );
  expect(text.startsWith('retry: 2000\nevent: ready\n')).toBe(true);
  // No text or numbers in the stream: the page refetches those through the API.
  expect(text).not.toContain('Your order shipped');
  expect(text).not.toContain('15555550177');

  await harness.stop();
  await reading;
});
