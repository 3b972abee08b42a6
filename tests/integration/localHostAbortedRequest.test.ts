import { request } from 'node:http';

import { type HttpHost, startHttpHost } from '../../local/httpHost';
import type { HttpFunction } from '../../local/loadFunctions';
import type { Logger } from '../../shared/log';
import { eventually } from '../support/eventually';

/**
 * A client that goes away while sending its body (a closed tab, a killed curl, Telesign timing out) is nothing
 * the host did wrong: the local host logs it at debug, or not at all when the logger has no debug, never as an
 * error, and calls no function with half a body.
 */
let called = 0;
const callback: HttpFunction = {
  name: 'telesignCallback',
  methods: ['POST'],
  authLevel: 'anonymous',
  route: 'telesign/callback',
  handler: async () => {
    called++;
    return { status: 200 };
  },
};

function recordingLogger(lines: string[]): Logger {
  const write = (level: string) => (message: string) => lines.push(`${level} ${message}`);
  return { info: write('info'), warn: write('warn'), error: write('error') };
}

const hosts: HttpHost[] = [];
async function hostWith(logger: Logger): Promise<HttpHost> {
  const host = await startHttpHost({ port: 0, functions: [callback], functionKey: 'f', adminKey: 'a', logger });
  hosts.push(host);
  return host;
}
afterAll(() => Promise.all(hosts.map((h) => h.close())));

/** Declares 10 000 bytes, sends 10 once the host is reading the body (it has answered 100 Continue), then hangs up. */
function abortMidBody(host: HttpHost): Promise<void> {
  return new Promise((resolve) => {
    const req = request({
      host: '127.0.0.1',
      port: host.port,
      method: 'POST',
      path: '/api/telesign/callback',
      headers: { 'content-type': 'application/json', 'content-length': '10000', expect: '100-continue' },
      agent: false,
    });
    req.on('error', () => resolve());
    req.on('close', () => resolve());
    req.on('continue', () => {
      req.write('{"status":');
      req.destroy();
    });
  });
}

beforeEach(() => {
  called = 0;
});

it('logs an aborted request at debug, not as an error', async () => {
  const lines: string[] = [];
  const host = await hostWith({
    ...recordingLogger(lines),
    debug: (message) => lines.push(`debug ${message}`),
  });
  await abortMidBody(host);
  await eventually(
    async () => lines,
    (l) => l.length > 0,
  );
  expect(lines).toEqual(['debug client went away before its request was read']);
  expect(called).toBe(0);
});

it('logs nothing for an aborted request when the logger has no debug', async () => {
  const lines: string[] = [];
  let askedForDebug = false;
  const logger = recordingLogger(lines);
  Object.defineProperty(logger, 'debug', {
    get() {
      askedForDebug = true;
      return undefined;
    },
  });
  const host = await hostWith(logger);
  await abortMidBody(host);
  await eventually(
    async () => askedForDebug,
    (asked) => asked,
  );
  expect(lines).toEqual([]);
  expect(called).toBe(0);
});

it('still serves the next request on the same host', async () => {
  const lines: string[] = [];
  const host = await hostWith(recordingLogger(lines));
  await abortMidBody(host);
  const response = await fetch(`${host.url}/api/telesign/callback`, { method: 'POST', body: '{}' });
  expect(response.status).toBe(200);
  expect(called).toBe(1);
});
