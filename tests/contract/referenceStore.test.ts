import type { DeliveryReported } from '../../shared/domain/inboundEvent';
import { eachAdapter } from './adapters';
import { uniqueId } from './records';

eachAdapter((adapter) => {
  const references = () => adapter().stores.references;
  const reference = () => uniqueId('ab12cd').toUpperCase().padEnd(32, '0');
  const report = (referenceId: string, eventId: string, statusCode = 200): DeliveryReported => ({
    schemaVersion: 1,
    type: 'delivery.reported',
    eventId,
    account: 'ACCOUNT-1',
    receivedAt: '2026-01-01T10:00:00.000Z',
    referenceId,
    statusCode,
    statusDescription: 'Delivered to handset',
    updatedOn: '2026-01-01T10:00:00.000Z',
    updatedOnRaw: '2026-01-01T10:00:00Z',
    errors: [],
  });

  describe('the reference store', () => {
    it('points a reference to its message, whatever the case of the reference id', async () => {
      const ref = reference();
      expect(await references().get(ref)).toBeUndefined();
      await references().put(ref, { threadId: 'T1', conversation: 1, m: 2 });
      expect(await references().get(ref.toLowerCase())).toEqual({ threadId: 'T1', conversation: 1, m: 2 });
      await references().put(` ${ref.toLowerCase()} `, { threadId: 'T1', conversation: 1, m: 3 });
      expect(await references().get(ref)).toEqual({ threadId: 'T1', conversation: 1, m: 3 });
    });

    it('parks reports until they are taken, once each, in event id order', async () => {
      const ref = reference();
      const later = report(ref, 'dr-bbbb', 200);
      const earlier = report(ref.toLowerCase(), 'dr-aaaa', 290);
      await references().addPending(later);
      await references().addPending(earlier);
      await references().addPending(later);
      expect(await references().listPending(ref)).toEqual([earlier, later]);
      expect(await references().listPending(reference())).toEqual([]);

      await references().removePending(earlier);
      await references().removePending(earlier);
      expect(await references().listPending(ref)).toEqual([later]);
      expect(await references().get(ref)).toBeUndefined();
    });

    it('tells the send whether a report was parked first, and a report whether the send came first', async () => {
      const pointer = { threadId: 'T1', conversation: 1, m: 2 };
      const sendFirst = reference();
      expect(await references().put(sendFirst, pointer)).toEqual({ reportsWaiting: false });
      expect(await references().addPending(report(sendFirst, 'dr-late'))).toEqual(pointer);

      const reportFirst = reference();
      expect(await references().addPending(report(reportFirst, 'dr-early'))).toBeUndefined();
      expect(await references().addPending(report(reportFirst, 'dr-early-2'))).toBeUndefined();
      expect(await references().get(reportFirst)).toBeUndefined();
      expect(await references().put(reportFirst, pointer)).toEqual({ reportsWaiting: true });
      expect(await references().get(reportFirst)).toEqual(pointer);
      expect((await references().listPending(reportFirst)).map((r) => r.eventId)).toEqual(['dr-early', 'dr-early-2']);
    });
  });
});
