import { sumFigures } from '../../local/testFaults';

describe('npm run test:faults figures', () => {
  it('sums each figure by name, per suite and over all suites', () => {
    const { bySuite, total } = sumFigures([
      { suite: 'logAudit', 'log lines audited': 10, 'log leaks': 0 },
      { suite: 'logAudit', 'log lines audited': 5, 'log leaks': 0 },
      { suite: 'telesignFaults', 'fault: Telesign 429': 3, 'SMS sent': 2 },
      { suite: 'loadWithDuplicates', 'SMS sent': 2000, lost: 0 },
    ]);
    expect(Object.fromEntries(bySuite.get('logAudit')!)).toEqual({ 'log lines audited': 15, 'log leaks': 0 });
    expect(Object.fromEntries(total)).toEqual({
      'log lines audited': 15,
      'log leaks': 0,
      'fault: Telesign 429': 3,
      'SMS sent': 2002,
      lost: 0,
    });
  });
});
