import type { ConsentRecord } from '../../shared/ports/consentStore';
import { eachAdapter } from './adapters';
import { at, uniqueId } from './records';

eachAdapter((adapter) => {
  const consent = () => adapter().stores.consent;
  const record = (state: ConsentRecord['state'], eventId: string, minute: number): ConsentRecord => ({
    state,
    eventId,
    keyword: state === 'opted_out' ? 'STOP' : 'START',
    at: at(minute),
  });

  describe('the consent store', () => {
    it('keeps the newest consent per account and number, whatever the case of the account', async () => {
      const account = uniqueId('Account');
      expect(await consent().get(account, '15555550100')).toBeUndefined();
      const stop = record('opted_out', 'mo-stop', 1);
      expect(await consent().apply(account, '15555550100', stop)).toBe('applied');
      expect(await consent().get(account.toUpperCase(), '15555550100')).toEqual(stop);
      expect(await consent().get(account, '15555550101')).toBeUndefined();

      const start = record('opted_in', 'mo-start', 2);
      expect(await consent().apply(account.toLowerCase(), '15555550100', start)).toBe('applied');
      expect(await consent().get(account, '15555550100')).toEqual(start);
    });

    it('changes nothing for a redelivered or an older event; a later one at the same time applies', async () => {
      const account = uniqueId('Account');
      const start = record('opted_in', 'mo-start', 5);
      await consent().apply(account, '15555550100', start);
      expect(await consent().apply(account, '15555550100', { ...start, state: 'opted_out' })).toBe('unchanged');
      expect(await consent().apply(account, '15555550100', record('opted_out', 'mo-late', 4))).toBe('unchanged');
      expect(await consent().get(account, '15555550100')).toEqual(start);

      const same = record('opted_out', 'mo-same-time', 5);
      expect(await consent().apply(account, '15555550100', same)).toBe('applied');
      expect(await consent().get(account, '15555550100')).toEqual(same);
    });

    it('keeps only what a consent record holds', async () => {
      const account = uniqueId('Account');
      const extra = { ...record('opted_out', 'mo-x', 1), note: 'not kept' } as ConsentRecord;
      await consent().apply(account, '15555550100', extra);
      expect(await consent().get(account, '15555550100')).toEqual(record('opted_out', 'mo-x', 1));
    });
  });
});
