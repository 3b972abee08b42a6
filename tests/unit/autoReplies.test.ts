import type { TelesignAccount } from '../../shared/config';
import type { ChannelEvent, MessageReceivedEvent } from '../../shared/domain/channelEvents';
import type { ErrorCode } from '../../shared/errors';
import { failure, type Outcome, success } from '../../shared/outcome';
import { autoReplies } from '../../shared/services/autoReplies';
import type { SendOptions } from '../../shared/services/send';
import type { SendCommand } from '../../shared/services/sendRequest';
import type { SendResult } from '../../shared/services/sendResult';
import { auditedLogger } from '../support/capturingLogger';

const SUPPORT = '14252306549';
const account = {
  customerId: 'ACCOUNT-1',
  apiKeySecretName: 'telesign-key',
  defaultSupportNumber: SUPPORT,
  supportNumbers: [
    {
      number: SUPPORT,
      type: 'longcode',
      autoReplies: {
        greeting: 'Hello!',
        help: 'Reply STOP to opt out.',
        optOut: 'You are opted out.',
        optIn: 'Welcome back.',
      },
    },
    { number: '18005550199', type: 'tollfree' },
  ],
} as TelesignAccount;

function received(overrides: Partial<MessageReceivedEvent> = {}): MessageReceivedEvent {
  return {
    schemaVersion: 1,
    id: 'ce-received',
    type: 'message.received',
    at: '2026-01-01T10:00:00.000Z',
    account: account.customerId,
    threadId: 'T1',
    conversationId: 'T1.1',
    messageId: 'T1.1.1',
    text: 'hi',
    segments: 1,
    encoding: 'GSM-7',
    inboundEventId: 'mo-1',
    from: { digits: '15555550100', e164: '+15555550100' },
    to: { digits: SUPPORT, e164: '+' + SUPPORT },
    startedConversation: false,
    consent: { kind: 'none' },
    ...overrides,
  };
}

function sender(answer: (command: SendCommand) => Outcome<SendResult> = () => success({} as SendResult)) {
  const calls: Array<{ key?: string; text: string; conversationId?: string; options: SendOptions }> = [];
  const send = async (command: SendCommand, options: SendOptions) => {
    calls.push({
      key: command.idempotencyKey,
      text: command.text,
      conversationId: command.target.kind === 'conversation' ? command.target.conversationId : undefined,
      options,
    });
    return answer(command);
  };
  return { calls, send };
}

const react = (events: ChannelEvent[], send: ReturnType<typeof sender>['send'], logger = auditedLogger) =>
  autoReplies({ accounts: [account], send }).react(events, { logger });

describe('automatic replies, as the first reaction', () => {
  it('greet a new conversation, keyed by the inbound event', async () => {
    const s = sender();
    await react([received({ startedConversation: true })], s.send);
    expect(s.calls).toEqual([
      { key: 'auto-mo-1-greeting', text: 'Hello!', conversationId: 'T1.1', options: { bypassConsent: false } },
    ]);
  });

  it('answer HELP after the greeting, and confirm STOP alone, past consent', async () => {
    const s = sender();
    await react([received({ startedConversation: true, consent: { kind: 'help', keyword: 'HELP' } })], s.send);
    await react(
      [received({ inboundEventId: 'mo-2', startedConversation: true, consent: { kind: 'opt_out', keyword: 'STOP' } })],
      s.send,
    );
    expect(s.calls.map((c) => [c.key, c.options.bypassConsent])).toEqual([
      ['auto-mo-1-greeting', false],
      ['auto-mo-1-help', false],
      ['auto-mo-2-optOut', true],
    ]);
  });

  it('send nothing for other events, a joined conversation or a number without replies', async () => {
    const s = sender();
    await react(
      [
        { ...received(), type: 'conversation.started' } as unknown as ChannelEvent,
        received(),
        received({ startedConversation: true, to: { digits: '18005550199', e164: '+18005550199' } }),
      ],
      s.send,
    );
    expect(s.calls).toEqual([]);
  });

  it('throw a transient failure, so that the event is redelivered', async () => {
    const s = sender(() => failure('storage_unavailable', 'down'));
    await expect(react([received({ startedConversation: true })], s.send)).rejects.toMatchObject({
      code: 'storage_unavailable',
    });
  });

  it('log any other failure and go on with the next reply', async () => {
    const warnings: Array<Record<string, unknown> | undefined> = [];
    const logger = { ...auditedLogger, warn: (_m: string, p?: Record<string, unknown>) => void warnings.push(p) };
    const s = sender((c) =>
      c.text === 'Hello!' ? failure('conversation_closed' as ErrorCode, 'closed') : success({} as SendResult),
    );
    await react(
      [received({ startedConversation: true, consent: { kind: 'opt_in', keyword: 'START' } })],
      s.send,
      logger,
    );
    expect(s.calls.map((c) => c.key)).toEqual(['auto-mo-1-greeting', 'auto-mo-1-optIn']);
    expect(warnings).toEqual([{ kind: 'greeting', eventId: 'mo-1', code: 'conversation_closed' }]);
  });
});
