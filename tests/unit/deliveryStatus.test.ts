import {
  isFinal,
  isMessageStatus,
  MessageStatus,
  messageStatuses,
  shouldReplace,
} from '../../shared/domain/deliveryStatus';
import { classifyStatusCode, statusFromCode, TelesignStatusClass } from '../../shared/telesign/statusCodes';

describe('isFinal', () => {
  it.each<[MessageStatus, boolean]>([
    ['queued', false],
    ['sent', false],
    ['unknown', false],
    ['delivered', true],
    ['failed', true],
    ['expired', true],
  ])('%s → %s', (s, expected) => {
    expect(isFinal(s)).toBe(expected);
  });
});

describe('isMessageStatus', () => {
  it('accepts exactly the statuses', () => {
    for (const s of messageStatuses) expect(isMessageStatus(s)).toBe(true);
    for (const v of ['Delivered', 'pending', '', null]) expect(isMessageStatus(v)).toBe(false);
  });
});

describe('shouldReplace', () => {
  // Rows: current; columns in messageStatuses order: queued, sent, delivered, failed, expired, unknown.
  const table: Record<MessageStatus, boolean[]> = {
    queued: [false, true, true, true, true, true],
    sent: [false, false, true, true, true, true],
    delivered: [false, false, false, false, false, false],
    failed: [false, false, false, false, false, false],
    expired: [false, false, false, false, false, false],
    unknown: [false, false, true, true, true, false],
  };
  const cases = messageStatuses.flatMap((current) =>
    messageStatuses.map((next, i) => [current, next, table[current][i]] as const),
  );
  it.each(cases)('%s then %s → %s', (current, next, expected) => {
    expect(shouldReplace(current, next)).toBe(expected);
  });
});

describe('classifyStatusCode (docs/telesign-protocol.md §Status codes)', () => {
  it.each<[number, TelesignStatusClass, MessageStatus]>([
    [200, 'delivered', 'delivered'],
    [203, 'intermediate', 'sent'],
    [207, 'failed', 'failed'],
    [210, 'failed', 'failed'],
    [211, 'failed', 'failed'],
    [220, 'failed', 'failed'],
    [221, 'expired', 'expired'],
    [222, 'failed', 'failed'],
    [229, 'failed', 'failed'],
    [230, 'failed', 'failed'],
    [231, 'failed', 'failed'],
    [233, 'failed', 'failed'],
    [237, 'failed', 'failed'],
    [238, 'failed', 'failed'],
    [250, 'unknown', 'unknown'],
    [251, 'unknown', 'unknown'],
    [290, 'intermediate', 'sent'],
    [1500, 'inbound', 'unknown'],
    // Undocumented codes: 29x is in progress, the rest unknown.
    [291, 'intermediate', 'sent'],
    [295, 'intermediate', 'sent'],
    [299, 'intermediate', 'sent'],
    [289, 'unknown', 'unknown'],
    [300, 'unknown', 'unknown'],
    [201, 'unknown', 'unknown'],
    [239, 'unknown', 'unknown'],
    [0, 'unknown', 'unknown'],
    [-1, 'unknown', 'unknown'],
    [290.5, 'unknown', 'unknown'],
    [Number.NaN, 'unknown', 'unknown'],
  ])('%d → %s (%s)', (code, cls, status) => {
    expect(classifyStatusCode(code)).toBe(cls);
    expect(statusFromCode(code)).toBe(status);
  });

  it('a late intermediate never replaces a final; a later 200 replaces 251', () => {
    expect(shouldReplace(statusFromCode(200), statusFromCode(290))).toBe(false);
    expect(shouldReplace(statusFromCode(251), statusFromCode(200))).toBe(true);
    expect(shouldReplace(statusFromCode(251), statusFromCode(203))).toBe(false);
  });
});
