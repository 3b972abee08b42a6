import type { ChannelEvent } from '../../shared/domain/channelEvents';
import { AppError } from '../../shared/errors';
import { createMemoryStores } from '../../shared/memory/memoryStores';
import { publishChannelEvents, republishChannelEvents } from '../../shared/services/publishChannelEvents';
import { runReactions } from '../../shared/services/reactions';
import { routeEvent } from '../../shared/services/route';
import { auditedLogger } from '../support/capturingLogger';
import { inboundEvent, testConfig, testRules } from '../support/routeHarness';

/** The router on fresh memory stores. */
const routeDeps = () => ({
  ...createMemoryStores(),
  rules: testRules,
  accounts: testConfig().accounts,
  now: () => new Date(),
  logger: auditedLogger,
});

describe('publishing the channel events', () => {
  it('fails the route when the topic is down, and the redelivery publishes the same event ids', async () => {
    const deps = routeDeps();
    const published: ChannelEvent[][] = [];
    const attempted: string[][] = [];
    let down = true;
    const react = runReactions([
      publishChannelEvents({
        async publish(events) {
          attempted.push(events.map((e) => e.id));
          if (down) throw new AppError('queue_unavailable', 'topic down');
          published.push([...events]);
        },
      }),
    ]);
    // As shared/app.ts wires it: the change, then its reactions; a throw hands the event back to Service Bus.
    const route = async (event: ReturnType<typeof inboundEvent>) => {
      const { events } = await routeEvent(event, deps);
      await react(events, { logger: auditedLogger });
      return events;
    };
    const event = inboundEvent({ from: '15555550999', text: 'hello' });
    await expect(route(event)).rejects.toMatchObject({ code: 'queue_unavailable' });

    down = false;
    const replayed = await route(event);
    expect(published).toHaveLength(1);
    expect(published[0].map((e) => e.type).sort()).toEqual(['conversation.started', 'message.received']);
    expect(published[0].map((e) => e.id)).toEqual(replayed.map((e) => e.id));
    expect(attempted).toEqual([attempted[1], published[0].map((e) => e.id)]);
  });

  describe('with an outbox (a change nothing would replay)', () => {
    const events = async () =>
      (await routeEvent(inboundEvent({ from: '15555550998', text: 'hi' }), routeDeps())).events;
    const down = { publish: async () => Promise.reject(new AppError('queue_unavailable', 'topic down')) };

    it('keeps the events the topic refused, and the change succeeds', async () => {
      const outbox = createMemoryStores().outbox;
      const produced = await events();
      await publishChannelEvents(down, outbox).react(produced, { logger: auditedLogger });
      expect((await outbox.pending(10)).map((e) => e.id).sort()).toEqual(produced.map((e) => e.id).sort());
    });

    it('throws the topic failure when the outbox cannot keep them either', async () => {
      const outbox = { keep: async () => Promise.reject(new AppError('storage_unavailable', 'storage down')) };
      await expect(
        publishChannelEvents(down, outbox).react(await events(), { logger: auditedLogger }),
      ).rejects.toMatchObject({
        code: 'queue_unavailable',
      });
    });

    it('does not keep what failed for another reason than the topic', async () => {
      const outbox = createMemoryStores().outbox;
      const broken = { publish: async () => Promise.reject(new Error('a bug')) };
      await expect(
        publishChannelEvents(broken, outbox).react(await events(), { logger: auditedLogger }),
      ).rejects.toThrow('a bug');
      expect(await outbox.pending(10)).toEqual([]);
    });

    it('republishes what the outbox holds, oldest first, and empties it', async () => {
      const outbox = createMemoryStores().outbox;
      const produced = await events();
      await outbox.keep(produced);
      const published: string[] = [];
      const port = { publish: async (e: readonly ChannelEvent[]) => void published.push(...e.map((x) => x.id)) };
      expect(await republishChannelEvents({ port, outbox })).toBe(produced.length);
      expect(published.sort()).toEqual(produced.map((e) => e.id).sort());
      expect(await republishChannelEvents({ port, outbox })).toBe(0);
    });

    it('keeps what it could not republish', async () => {
      const outbox = createMemoryStores().outbox;
      await outbox.keep(await events());
      await expect(republishChannelEvents({ port: down, outbox })).rejects.toMatchObject({ code: 'queue_unavailable' });
      expect(await outbox.pending(10)).toHaveLength(2);
    });
  });
});
