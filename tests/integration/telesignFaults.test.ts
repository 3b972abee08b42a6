jest.mock('@azure/functions-core', () => require('../../local/functionsCore'), { virtual: true });

/**
 * Telesign failing in every way the sandbox can play it (issue 12, the fault suite), while the caller retries
 * with the same Idempotency-Key, as a Dynamics plugin would: never two SMS, never a message left `queued`, the
 * same answer for the same key, and a send that certainly did not go out is sent by the retry.
 */
import type { Fault } from '../../local/telesignSandbox/types';
import { type ChannelHarness, deadLettersOf, startChannelHarness } from '../support/channelHarness';
import { type Figures, recordFigures } from '../support/figures';

let h: ChannelHarness;

beforeAll(async () => {
  h = await startChannelHarness({ env: { DYNAMICS_MESSAGING_URL: 'off' } });
}, 30_000);

afterAll(async () => {
  await h?.stop();
});

const send = (to: string, text: string, key: string) =>
  h.api('POST', '/api/messages', { to, text }, { 'idempotency-key': key });

/** A fault's kind as the reliability figures name it. */
const faultFigure = (fault: Fault) =>
  'hang' in fault
    ? 'fault: Telesign hang'
    : 'dropConnection' in fault
      ? 'fault: Telesign dropped connection'
      : `fault: Telesign ${fault.status}`;

/** The answers the channel gives by design when Telesign fails (README, the error codes); any other 5xx is not. */
const designed = (answer: { status: number; body: any }) =>
  (answer.status === 502 && answer.body?.error?.code === 'telesign_failed') ||
  (answer.status === 503 && answer.body?.error?.code === 'telesign_unavailable');

describe('Telesign failing while the caller retries with the same key', () => {
  it.each<[string, 'sent once' | 'not resent', Fault[]]>([
    // Telesign certainly did not send (its client retries 429 and 503 itself; three in a row exhaust it, and a
    // 500 is "not attempted"): the key is released, and a retry of the caller sends.
    ['429 three times', 'sent once', [{ status: 429 }, { status: 429 }, { status: 429 }]],
    ['500 three times', 'sent once', [{ status: 500 }, { status: 500 }, { status: 500 }]],
    ['503 three times', 'sent once', [{ status: 503 }, { status: 503 }, { status: 503 }]],
    // No answer, or the connection dropped after the request was sent: it may have gone out, so it is `unknown`
    // and never resent; the caller gets that same outcome again.
    ['a hang', 'not resent', [{ hang: true }]],
    ['a dropped connection', 'not resent', [{ dropConnection: true }]],
  ])(
    '%s: %s, nothing left queued',
    async (name, expected, faults) => {
      const customer = `+1555557${String(faults.length).padStart(2, '0')}${String(name.length).padStart(2, '0')}`;
      const text = `fault test: ${name}`;
      const key = `key-${name.replace(/\W+/g, '-')}`;
      h.channel.sandbox!.injectFaults(faults);
      const figures: Figures = {};
      for (const fault of faults) figures[faultFigure(fault)] = (figures[faultFigure(fault)] ?? 0) + 1;

      // The caller retries until it is told the message went (at most five tries), or three times.
      const answers = [await send(customer, text, key)];
      while (answers.length < (expected === 'sent once' ? 5 : 3) && answers[answers.length - 1].body?.status !== 'sent')
        answers.push(await send(customer, text, key));
      const smsOut = h.channel.sandbox!.sent().filter((m) => m.message === text);
      figures['SMS sent'] = smsOut.length;
      figures['sent twice'] = Math.max(0, smsOut.length - 1);
      // Telesign certainly did not send, so the caller's retry must have: lost if it did not.
      if (expected === 'sent once') figures.lost = smsOut.length === 0 ? 1 : 0;
      figures['5xx'] = answers.filter((a) => a.status >= 500 && !designed(a)).length;

      for (const answer of answers) expect(answer.status).not.toBe(500);
      if (expected === 'sent once') {
        expect(smsOut).toHaveLength(1);
        expect(answers[answers.length - 1]).toMatchObject({ status: 202, body: { status: 'sent' } });
      } else {
        expect(smsOut.length).toBeLessThanOrEqual(1);
        for (const answer of answers) expect(answer).toMatchObject({ status: 202, body: { status: 'unknown' } });
        // The same message each time: the retries replay the first outcome.
        expect(new Set(answers.map((a) => a.body.messageId)).size).toBe(1);
      }
      const conversationId = answers
        .map((a) => a.body?.conversationId ?? a.body?.error?.details?.messageId?.split('.').slice(0, 2).join('.'))
        .find(Boolean);
      const messages = await h.api('GET', `/api/conversations/${conversationId}/messages`);
      const ours = messages.body.items.filter((m: { text: string }) => m.text === text);
      figures['left queued'] = ours.filter((m: { status: string }) => m.status === 'queued').length;
      recordFigures('telesignFaults', figures);
      expect(ours.map((m: { status: string }) => m.status)).not.toContain('queued');
    },
    60_000,
  );

  it('dead-letters nothing after the faults', async () => {
    const found = await deadLettersOf(h.channel);
    recordFigures('telesignFaults', { 'dead-lettered': found.reduce((n, f) => n + f.dead.length, 0) });
    for (const { source, dead } of found) expect({ source, dead }).toEqual({ source, dead: [] });
  });
});
