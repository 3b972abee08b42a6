/**
 * A stand-in for Key Vault's secret read API over plain http, good enough for the real SecretClient:
 * it answers the SDK's bearer challenge, serves secrets by name (latest or by version) and 404s the rest.
 * Tests drive it: rotate a secret, count reads, take the vault offline and bring it back on the same port.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { TokenCredential } from '@azure/identity';

export const FAKE_TOKEN = 'fake-key-vault-token';

/** Always hands out the same token, valid for a day, so the SDK never has to refresh it mid-test. */
export const staticTokenCredential: TokenCredential = {
  async getToken() {
    return { token: FAKE_TOKEN, expiresOnTimestamp: Date.now() + 24 * 60 * 60 * 1000 };
  },
};

// What Key Vault sends to an unauthenticated request; the SDK takes the scope from `resource`.
const CHALLENGE = 'Bearer authorization="https://login.microsoftonline.com/tenant", resource="https://vault.azure.net"';

export interface FakeKeyVault {
  /** Base URL to give SecretClient, e.g. http://127.0.0.1:54321 */
  readonly url: string;
  /** Adds a new version of the secret, which becomes the latest (as a rotation does). */
  setSecret(name: string, value: string): void;
  /** Authenticated GETs of a secret (found or not); without a name, of all secrets. */
  readCount(name?: string): number;
  /** Closes the listener and open connections: the vault becomes unreachable. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  resume(): Promise<void>;
  /** Stops for good; call in afterAll. */
  close(): Promise<void>;
}

export async function startFakeKeyVault(initial: Record<string, string> = {}): Promise<FakeKeyVault> {
  const versions = new Map<string, { version: string; value: string }[]>();
  const reads = new Map<string, number>();
  let server: Server | undefined;
  let port = 0;

  const setSecret = (name: string, value: string) => {
    const list = versions.get(name) ?? [];
    list.push({ version: randomBytes(16).toString('hex'), value });
    versions.set(name, list);
  };
  for (const [name, value] of Object.entries(initial)) setSecret(name, value);

  const baseUrl = () => `http://127.0.0.1:${port}`;

  function handle(req: IncomingMessage, res: ServerResponse): void {
    // Drain the body: the SDK's first (challenge) request may carry one.
    req.resume();
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(body));
    };

    if (req.headers.authorization !== `Bearer ${FAKE_TOKEN}`) {
      send(
        401,
        { error: { code: 'Unauthorized', message: 'AKV10000: Request is missing a Bearer or PoP token.' } },
        {
          'www-authenticate': CHALLENGE,
        },
      );
      return;
    }

    const url = new URL(req.url ?? '/', baseUrl());
    const match = /^\/secrets\/([^/]+)(?:\/([^/]*))?\/?$/.exec(url.pathname);
    if (req.method !== 'GET' || !match || !url.searchParams.has('api-version')) {
      send(400, {
        error: { code: 'BadParameter', message: 'The fake vault only serves GET /secrets/<name>[/<version>]' },
      });
      return;
    }

    const name = decodeURIComponent(match[1]);
    const version = match[2] ? decodeURIComponent(match[2]) : '';
    reads.set(name, (reads.get(name) ?? 0) + 1);
    const list = versions.get(name) ?? [];
    const found = version ? list.find((v) => v.version === version) : list[list.length - 1];
    if (!found) {
      const id = version ? `${name}/${version}` : name;
      send(404, {
        error: { code: 'SecretNotFound', message: `A secret with (name/id) ${id} was not found in this key vault.` },
      });
      return;
    }
    send(200, {
      value: found.value,
      id: `${baseUrl()}/secrets/${name}/${found.version}`,
      attributes: { enabled: true, created: 1700000000, updated: 1700000000, recoveryLevel: 'Recoverable+Purgeable' },
    });
  }

  async function listen(): Promise<void> {
    const s = createServer(handle);
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        s.off('error', reject);
        resolve();
      });
    });
    port = (s.address() as AddressInfo).port;
    server = s;
  }

  async function stop(): Promise<void> {
    const s = server;
    if (!s) return;
    server = undefined;
    // Kept-alive sockets would otherwise let the SDK keep talking to a "stopped" vault.
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  await listen();

  return {
    get url() {
      return baseUrl();
    },
    setSecret,
    readCount(name?: string) {
      if (name !== undefined) return reads.get(name) ?? 0;
      let total = 0;
      for (const n of reads.values()) total += n;
      return total;
    },
    stop,
    async resume() {
      if (!server) await listen();
    },
    close: stop,
  };
}
