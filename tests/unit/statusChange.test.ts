import { recordStatus, sendOutcomeOf, statusMoveBy } from '../../shared/domain/statusChange';
import type { MessageRecord } from '../../shared/domain/thread';

const message: MessageRecord = {
  conversation: 1,
  m: 2,
  direction: 'outbound',
  text: 'hi',
  segments: 1,
  encoding: 'GSM-7',
  createdAt: '2026-01-01T10:00:00.000Z',
  status: 'queued',
  timeline: [{ status: 'queued', at: '2026-01-01T10:00:00.000Z' }],
};

describe('recordStatus', () => {
  it('moves the status forward and keeps every change in the timeline', () => {
    const sent = recordStatus(message, { status: 'sent', code: 290, at: 't1' });
    expect(sent).toMatchObject({ changed: true, from: 'queued', message: { status: 'sent' } });
    const delivered = recordStatus(sent.message, { status: 'delivered', code: 200, at: 't2', eventId: 'dr-2' });
    const late = recordStatus(delivered.message, { status: 'sent', code: 203, at: 't3', eventId: 'dr-3' });
    expect(late).toMatchObject({ changed: false, from: 'delivered', message: { status: 'delivered' } });
    expect(late.message.timeline!.map((c) => c.status)).toEqual(['queued', 'sent', 'delivered', 'sent']);
    expect(message.timeline).toHaveLength(1);
  });
});

describe('statusMoveBy', () => {
  const { message: replayed } = [
    { status: 'sent' as const, at: 't1' },
    { status: 'delivered' as const, code: 200, at: 't2', eventId: 'dr-2' },
    { status: 'sent' as const, code: 203, at: 't3', eventId: 'dr-3' },
  ].reduce((r, change) => recordStatus(r.message, change), { message } as { message: MessageRecord });

  it('says what a report changed, and nothing for one that changed no status', () => {
    expect(statusMoveBy(replayed, 'dr-2')).toMatchObject({ from: 'sent', to: 'delivered', change: { code: 200 } });
    expect(statusMoveBy(replayed, 'dr-3')).toBeUndefined();
    expect(statusMoveBy(replayed, 'dr-404')).toBeUndefined();
  });

  it('finds the send’s own outcome, not a report’s', () => {
    expect(sendOutcomeOf(replayed)).toEqual({ status: 'sent', at: 't1' });
    expect(sendOutcomeOf(message)).toBeUndefined();
  });
});
