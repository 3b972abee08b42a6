/**
 * A stand-in for Key Vault's secret read API on loopback, enough for the real SecretClient (it answers the SDK's
 * bearer challenge and serves the latest value by name): the bench counts how often the send path reads the vault.
 * The tests' richer copy (rotation, outages) is tests/support/fakeKeyVault.ts; bench/ does not import from tests/.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { TokenCredential } from '@azure/identity';

const TOKEN = 'bench-key-vault-token';
const CHALLENGE = 'Bearer authorization="https://login.microsoftonline.com/tenant", resource="https://vault.azure.net"';

/** The same token for a day: the SDK never refreshes it during a run. */
export const benchCredential: TokenCredential = {
  getToken: async () => ({ token: TOKEN, expiresOnTimestamp: Date.now() + 24 * 60 * 60 * 1000 }),
};

export interface LocalKeyVault {
  url: string;
  /** Authenticated secret reads so far. */
  reads(): number;
  close(): Promise<void>;
}

export async function startLocalKeyVault(secrets: Record<string, string>): Promise<LocalKeyVault> {
  let reads = 0;
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${TOKEN}`)
      return send(401, { error: { code: 'Unauthorized', message: 'no token' } }, { 'www-authenticate': CHALLENGE });
    const match = /^\/secrets\/([^/?]+)/.exec(req.url ?? '');
    const name = match ? decodeURIComponent(match[1]) : '';
    reads++;
    if (!(name in secrets)) return send(404, { error: { code: 'SecretNotFound', message: `${name} not found` } });
    send(200, { value: secrets[name], id: `${url}/secrets/${name}/1`, attributes: { enabled: true } });
  };
  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    reads: () => reads,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
