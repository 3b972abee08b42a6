import type { ChannelEvent } from '../../shared/domain/channelEvents';
import { AppError } from '../../shared/errors';
import { silentLogger } from '../../shared/log';
import { createMemoryStores } from '../../shared/memory/memoryStores';
import { publishChannelEvents } from '../../shared/services/publishChannelEvents';
import { runReactions } from '../../shared/services/reactions';
import { routeEvent } from '../../shared/services/route';
import { inboundEvent, testConfig, testRules } from '../support/routeHarness';

describe('publishing the channel events', () => {
  it('fails the route when the topic is down, and the redelivery publishes the same event ids', async () => {
    const stores = createMemoryStores();
    const deps = {
      ...stores,
      rules: testRules,
      accounts: testConfig().accounts,
      now: () => new Date(),
      logger: silentLogger,
    };
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
      await react(events, { logger: silentLogger });
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
});
