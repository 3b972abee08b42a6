import { routeEvent } from '../../shared/services/route';
import { auditedLogger } from '../support/capturingLogger';
import { inboundEvent, testConfig, testRules } from '../support/routeHarness';
import { messagesOf } from '../support/threadMessages';
import { eachAdapter } from './adapters';

/**
 * U+2028 and U+2029 are ordinary characters in an SMS, but JSON.stringify leaves them raw and Azurite's batch
 * parser does not read them (shared/storage/asciiJsonBodies.ts): a text holding one is stored like any other, and
 * the batches after it too. Found by tests/property/callbackParsing.test.ts.
 */
eachAdapter((adapter) => {
  const deps = () => ({
    ...adapter().stores,
    rules: testRules,
    accounts: testConfig().accounts,
    now: () => new Date(),
    logger: auditedLogger,
  });

  describe('a text with line or paragraph separators', () => {
    it('is stored as sent, and so is the next message on another thread', async () => {
      for (const [from, text] of [
        ['15555550931', 'a\u2028b {x} c\u2029d'],
        ['15555550932', 'plain {y}'],
      ]) {
        const event = inboundEvent({ from, text });
        const { result } = await routeEvent(event, deps());
        expect(result).toMatchObject({ kind: 'message' });
        const stored = await messagesOf(adapter().stores.conversations, event.threadId, 1);
        expect(stored.map((m) => m.text)).toEqual([text]);
      }
    });
  });
});
