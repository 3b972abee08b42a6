import { findAccount, type TelesignAccount } from '../config';
import type { MessageReceivedEvent } from '../domain/channelEvents';
import { isTransient } from '../errors';
import type { Logger } from '../log';
import type { Outcome } from '../outcome';
import type { Reaction } from './reactions';
import type { SendOptions } from './send';
import { parseSendRequest, type SendCommand } from './sendRequest';
import type { SendResult } from './sendResult';

export interface AutoReplyDeps {
  accounts: readonly TelesignAccount[];
  send: (command: SendCommand, options: SendOptions, logger: Logger) => Promise<Outcome<SendResult>>;
}

type ReplyKind = 'greeting' | 'help' | 'optOut' | 'optIn';

/** What a reply needs to know of the message it answers. */
export type AutoReplyTrigger = Pick<
  MessageReceivedEvent,
  'inboundEventId' | 'account' | 'conversationId' | 'startedConversation' | 'consent'
> & { to: Pick<MessageReceivedEvent['to'], 'digits'> };

/**
 * The texts the channel sends by itself after an inbound message: a greeting for a new conversation, the HELP
 * answer, and the STOP/START confirmations, as configured per support number. The first reaction to every
 * `message.received`.
 */
export function autoReplies(deps: AutoReplyDeps): Reaction {
  return {
    name: 'autoReplies',
    async react(events, { logger }) {
      for (const event of events) {
        if (event.type === 'message.received') await replyTo(event, deps, logger);
      }
    },
  };
}

/**
 * Each reply has an idempotency key made from the inbound event, so replayed events never send twice; a send
 * that failed for a passing reason throws, so Service Bus redelivers the event and the reply is tried again.
 * Any other failure would fail again: it is logged, and the other replies still go.
 */
export async function replyTo(trigger: AutoReplyTrigger, deps: AutoReplyDeps, logger: Logger): Promise<number> {
  const replies = findAccount(deps.accounts, trigger.account)?.supportNumbers.find(
    (n) => n.number === trigger.to.digits,
  )?.autoReplies;
  if (!replies) return 0;

  const consent = trigger.consent.kind;
  const wanted: ReplyKind[] = [];
  if (consent === 'opt_out') wanted.push('optOut');
  else if (consent === 'opt_in') wanted.push('optIn');
  else if (consent === 'help') wanted.push('help');
  // A customer who just opted out gets the confirmation, not a greeting as well.
  if (trigger.startedConversation && consent !== 'opt_out') wanted.unshift('greeting');

  let sent = 0;
  for (const kind of wanted) {
    const text = replies[kind];
    if (!text) continue;
    const command = parseSendRequest(
      { conversationId: trigger.conversationId, text },
      `auto-${trigger.inboundEventId}-${kind}`,
    );
    if (!command.ok) throw command.error;
    const outcome = await deps.send(
      { ...command.value, origin: 'auto_reply' },
      { bypassConsent: kind === 'optOut' },
      logger,
    );
    if (outcome.ok) {
      sent++;
      continue;
    }
    if (isTransient(outcome.error.code)) throw outcome.error;
    logger.warn('automatic reply not sent', { kind, eventId: trigger.inboundEventId, code: outcome.error.code });
  }
  return sent;
}
