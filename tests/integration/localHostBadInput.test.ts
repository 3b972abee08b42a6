jest.mock('@azure/functions-core', () => require('../../local/functionsCore'), { virtual: true });

import { request } from 'node:http';

import { type ChannelHarness, startChannelHarness } from '../support/channelHarness';
import { assertDocumented } from '../support/openapi';

/**
 * Malformed input through the real local host (Azurite behind it): a path that is not valid percent-encoding,
 * a Host header that is not a host, and a continuation token we cannot have given out are the caller's mistake,
 * answered 400 `invalid_request` with a sentence, never 500 (a host failure) or 503 (an outage).
 */
let h: ChannelHarness;
beforeAll(async () => {
  h = await startChannelHarness();
}, 60_000);
afterAll(async () => {
  await h?.stop();
});

/** A GET with the Host header as given (fetch sets its own), so hosts no HTTP client would name reach the host. */
function getWithHost(path: string, host: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: h.channel.http.port,
        path,
        headers: { host, 'x-functions-key': h.channel.functionKey },
        agent: false,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : undefined }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const tokenOf = (json: string) => Buffer.from(json, 'utf8').toString('base64url');

const expectBadRequest = (response: { status: number; body: any }, sentence: RegExp) => {
  expect(response.status).toBe(400);
  expect(response.body).toEqual({ error: { code: 'invalid_request', message: expect.stringMatching(sentence) } });
};

describe('a route parameter that is not valid percent-encoding', () => {
  it.each([
    ['%ff', '/api/conversations/%ff'],
    ['a truncated escape', '/api/conversations/abc%e2%82'],
    ['a lone %', '/api/conversations/50%'],
    ['an encoded lone surrogate', '/api/conversations/%ed%a0%80.1/messages'],
  ])('%s is answered 400 invalid_request', async (_what, path) => {
    const response = await h.api('GET', path);
    expectBadRequest(response, /percent-encod/);
    const route = path.endsWith('/messages') ? '/conversations/{id}/messages' : '/conversations/{id}';
    await assertDocumented('GET', route, response);
  });

  it('is refused before the key is asked for, as a host refuses a malformed request', async () => {
    const response = await h.api('GET', '/api/conversations/%ff', undefined, { 'x-functions-key': 'wrong' });
    expectBadRequest(response, /percent-encod/);
  });

  it('leaves well-formed escapes to the route: %41 is the id "A", which is not a conversation', async () => {
    const response = await h.api('GET', '/api/conversations/%41');
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('conversation_not_found');
    expect(response.body.error.message).toContain('"A"');
  });
});

describe('a Host header that is not a host', () => {
  it.each([['[::1'], ['[::1]]'], ['exa mple'], ['a/b'], ['user@host'], ['host:port'], ['host:99999']])(
    '%s is answered 400 invalid_request',
    async (host) => {
      const response = await getWithHost('/api/conversations', host);
      expectBadRequest(response, /Host header/);
    },
  );

  it.each([['localhost'], ['localhost:7071'], ['[::1]:7071'], ['127.0.0.1']])(
    '%s is a host: the request is served',
    async (host) => {
      const response = await getWithHost('/api/conversations', host);
      expect(response.status).toBe(200);
    },
  );
});

describe('a continuation token that cannot be one we gave out', () => {
  it.each([
    ['a lone high surrogate in a listing position', 'list', tokenOf('{"k":"list","after":{"open":"\\ud800"}}')],
    ['a lone low surrogate in a listing position', 'list', tokenOf('{"k":"list","after":{"closed":"x\\udc00y"}}')],
    ['a lone surrogate in the queue', 'list', tokenOf('{"k":"list","queue":"\\ud83d","after":{}}')],
    ['a lone surrogate in a message page', 'messages', tokenOf('{"k":"messages","id":"\\ud800","m":1}')],
  ])('%s is answered 400 invalid_request, not 503', async (_what, kind, token) => {
    const path =
      kind === 'list'
        ? `/api/conversations?continuationToken=${token}`
        : `/api/conversations/abc.1/messages?continuationToken=${token}`;
    const response = await h.api('GET', path);
    expectBadRequest(response, /continuationToken/);
    await assertDocumented('GET', kind === 'list' ? '/conversations' : '/conversations/{id}/messages', response);
  });
});
