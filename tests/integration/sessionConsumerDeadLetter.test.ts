import { ServiceBusClient } from '@azure/service-bus';

import { EmbeddedBroker } from '../../local/broker';
import { listDeadLetters } from '../../local/deadLetters';
import { startSessionConsumer } from '../../local/sessionConsumer';
import { DeadLetterError } from '../../shared/errors';
import { auditedLogger } from '../support/capturingLogger';
import { eventually } from '../support/eventually';

describe('the session consumer and a DeadLetterError', () => {
  it('dead-letters the message at once with its reason and description, and goes on with the session', async () => {
    const broker = await EmbeddedBroker.start({ queues: [{ name: 'q', requiresSession: true, maxDeliveryCount: 5 }] });
    const client = new ServiceBusClient(broker.connectionString);
    const attempts = new Map<number, number>();
    const handled: number[] = [];
    const consumer = startSessionConsumer({
      client,
      queueName: 'q',
      logger: auditedLogger,
      handler: async (body) => {
        const { n } = body as { n: number };
        attempts.set(n, (attempts.get(n) ?? 0) + 1);
        if (n === 2) throw new DeadLetterError('dynamics_rejected', 'Dynamics refused it (code 30012).');
        handled.push(n);
      },
    });
    try {
      const sender = client.createSender('q');
      for (let n = 1; n <= 3; n++) await sender.sendMessages({ body: { n }, sessionId: 's', messageId: `m-${n}` });
      await sender.close();
      const letters = await eventually(
        () => listDeadLetters(client, { queue: 'q' }),
        (l) => l.length === 1,
      );
      expect(letters).toEqual([
        expect.objectContaining({ reason: 'dynamics_rejected', description: 'Dynamics refused it (code 30012).' }),
      ]);
      await eventually(
        async () => handled,
        (h) => h.length === 2,
      );
      expect(handled).toEqual([1, 3]);
      expect(attempts.get(2)).toBe(1);
    } finally {
      await consumer.stop();
      await client.close();
      await broker.stop();
    }
  });
});
