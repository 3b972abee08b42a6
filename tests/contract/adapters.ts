import { startAzuriteTables } from '../../local/azurite';
import { createMemoryStores } from '../../shared/memory/memoryStores';
import type { Stores } from '../../shared/ports/stores';
import { encodeKey } from '../../shared/storage/keys';
import { createTableClients, ensureTables } from '../../shared/storage/tableClients';
import { createTableStores } from '../../shared/storage/tableStores';

/**
 * The adapters the storage contract holds: Table Storage (on Azurite, in this process) and memory. Each gives
 * its stores and, for the one port that has no read, what an operator would find of an unrecognized callback.
 */
export interface StoreAdapter {
  stores: Stores;
  savedUnrecognized(
    eventId: string,
    receivedAt: string,
  ): Promise<{ account: string; reason: string; receivedAt: string; rawBody: string } | undefined>;
  stop(): Promise<void>;
}

async function tableAdapter(): Promise<StoreAdapter> {
  const azurite = await startAzuriteTables();
  const tables = createTableClients({ kind: 'connectionString', connectionString: azurite.connectionString });
  await ensureTables(tables);
  return {
    stores: createTableStores(tables),
    async savedUnrecognized(eventId, receivedAt) {
      const row = await tables.unrecognized
        .getEntity<Record<string, unknown>>(receivedAt.slice(0, 10), encodeKey(eventId))
        .catch(() => undefined);
      if (!row) return undefined;
      const parts = Array.from({ length: Number(row.rawBodyParts) }, (_, i) => String(row[`rawBody${i}`]));
      return {
        account: String(row.account),
        reason: String(row.reason),
        receivedAt: String(row.receivedAt),
        rawBody: parts.join(''),
      };
    },
    stop: () => azurite.stop(),
  };
}

async function memoryAdapter(): Promise<StoreAdapter> {
  const stores = createMemoryStores();
  return {
    stores,
    async savedUnrecognized(eventId, receivedAt) {
      const event = stores.unrecognized
        .saved()
        .find((e) => e.eventId === eventId && e.receivedAt.slice(0, 10) === receivedAt.slice(0, 10));
      return (
        event && { account: event.account, reason: event.reason, receivedAt: event.receivedAt, rawBody: event.rawBody }
      );
    },
    stop: async () => undefined,
  };
}

const adapters: Array<[string, () => Promise<StoreAdapter>]> = [
  ['Table Storage', tableAdapter],
  ['memory', memoryAdapter],
];

/** Declares the same tests once per adapter; `adapter()` is the running one inside a test. */
export function eachAdapter(tests: (adapter: () => StoreAdapter) => void): void {
  describe.each(adapters)('on %s', (_name, start) => {
    let running: StoreAdapter;
    beforeAll(async () => {
      running = await start();
    });
    afterAll(async () => {
      await running.stop();
    });
    tests(() => running);
  });
}
