import { type AzuriteTables, startAzuriteTables } from '../../local/azurite';
import { createMemorySendsInFlight } from '../../shared/memory/sendsInFlight';
import type { SendInFlight, SendsInFlight } from '../../shared/ports/sendsInFlight';
import { createSendsInFlight } from '../../shared/storage/sendsInFlight';
import { createTableClients, ensureTables, type TableClients } from '../../shared/storage/tableClients';

/** The sends-in-flight port (shared/ports/sendsInFlight.ts), held to one contract on Table Storage and in memory. */

let azurite: AzuriteTables;
let tables: TableClients;
beforeAll(async () => {
  azurite = await startAzuriteTables();
  tables = createTableClients({ kind: 'connectionString', connectionString: azurite.connectionString });
  await ensureTables(tables);
});
afterAll(() => azurite.stop());

let threadSeq = 0;
const entry = (queuedAt: string, m = 1): SendInFlight => ({
  pointer: { threadId: `T${String(++threadSeq).padStart(21, '0')}`, conversation: 3, m },
  queuedAt,
});

describe.each<[string, () => SendsInFlight]>([
  ['Table Storage', () => createSendsInFlight(tables.sendsInFlight)],
  ['memory', () => createMemorySendsInFlight()],
])('sends in flight on %s', (_name, create) => {
  let store: SendsInFlight;
  beforeAll(async () => {
    store = create();
    // The Table adapter shares one table across these tests: start from an empty partition.
    for (const e of await store.queuedBefore(new Date('9999-01-01T00:00:00.000Z'), 10_000)) await store.remove(e);
  });

  it('lists the entries queued strictly before a time, oldest first, at most a limit', async () => {
    const a = entry('2026-03-01T10:00:00.000Z');
    const b = entry('2026-03-01T10:00:01.000Z', 7);
    const c = entry('2026-03-01T10:00:02.000Z');
    for (const e of [c, a, b]) await store.add(e);
    expect(await store.queuedBefore(new Date('2026-03-01T10:00:02.000Z'), 10)).toEqual([a, b]);
    expect(await store.queuedBefore(new Date('2026-03-01T10:00:02.001Z'), 10)).toEqual([a, b, c]);
    expect(await store.queuedBefore(new Date('2026-03-01T10:00:02.001Z'), 1)).toEqual([a]);
    expect(await store.queuedBefore(new Date('2026-03-01T10:00:00.000Z'), 10)).toEqual([]);
    for (const e of [a, b, c]) await store.remove(e);
  });

  it('takes the same entry twice as one, and removes one that is not there without complaint', async () => {
    const a = entry('2026-03-02T10:00:00.000Z', 12);
    await store.add(a);
    await store.add(a);
    const all = () => store.queuedBefore(new Date('2026-03-03T00:00:00.000Z'), 10);
    expect(await all()).toEqual([a]);
    await store.remove(a);
    await store.remove(a);
    expect(await all()).toEqual([]);
  });

  it('keeps two sends queued in the same millisecond apart', async () => {
    const a = entry('2026-03-04T10:00:00.000Z', 1);
    const b = { ...a, pointer: { ...a.pointer, m: 2 } };
    await store.add(a);
    await store.add(b);
    expect(await store.queuedBefore(new Date('2026-03-05T00:00:00.000Z'), 10)).toHaveLength(2);
    await store.remove(a);
    expect(await store.queuedBefore(new Date('2026-03-05T00:00:00.000Z'), 10)).toEqual([b]);
    await store.remove(b);
  });
});
