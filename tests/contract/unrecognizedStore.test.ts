import type { CallbackUnrecognized } from '../../shared/domain/inboundEvent';
import { eachAdapter } from './adapters';
import { uniqueId } from './records';

eachAdapter((adapter) => {
  const event = (rawBody: string, eventId = uniqueId('cb-')): CallbackUnrecognized => ({
    schemaVersion: 1,
    type: 'callback.unrecognized',
    eventId,
    account: 'ACCOUNT-1',
    receivedAt: '2026-01-01T10:00:00.000Z',
    reason: 'no status and no user_response',
    rawBody,
  });
  const saved = (e: CallbackUnrecognized) => adapter().savedUnrecognized(e.eventId, e.receivedAt);
  const whole = (e: CallbackUnrecognized) => ({
    account: e.account,
    reason: e.reason,
    receivedAt: e.receivedAt,
    rawBody: e.rawBody,
  });

  describe('the unrecognized store', () => {
    it('keeps a callback whole, a large body and an empty one included', async () => {
      for (const rawBody of ['{"surprise":true}', '', 'x'.repeat(70_001) + '😀']) {
        const e = event(rawBody);
        await adapter().stores.unrecognized.save(e);
        expect(await saved(e)).toEqual(whole(e));
      }
    });

    it('keeps a body of multi-byte characters over 64 KiB whole (none split into U+FFFD)', async () => {
      const e = event(JSON.stringify('a' + 'é'.repeat(32_600)));
      await adapter().stores.unrecognized.save(e);
      expect(await saved(e)).toEqual(whole(e));
    });

    it('replaces what it kept when the same event is saved again', async () => {
      const first = event('x'.repeat(65_000));
      await adapter().stores.unrecognized.save(first);
      const again = { ...first, rawBody: '{"short":1}', reason: 'another reason' };
      await adapter().stores.unrecognized.save(again);
      expect(await saved(again)).toEqual(whole(again));
    });
  });
});
