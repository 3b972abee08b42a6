import { findAccount, type TelesignAccount } from '../config';
import { detectConsentKeyword } from '../domain/consent';
import type { MessageReceived } from '../domain/inboundEvent';
import { httpStatusOf } from '../http/toHttp';
import type { Logger } from '../log';
import type { Outcome } from '../outcome';
import type { RouteResult } from './route';
import type { SendOptions, SendResult } from './send';
import { parseSendRequest, type SendCommand } from './sendRequest';

export interface AutoReplyDeps {
  accounts: readonly TelesignAccount[];
  send: (command: SendCommand, options: SendOptions) => Promise<Outcome<SendResult>>;
  logger: Logger;
}

type ReplyKind = 'greeting' | 'help' | 'optOut' | 'optIn';

/**
 * The texts the router sends by itself, after its transaction: a greeting for a new conversation, the HELP
 * answer, and the STOP/START confirmations, as configured per support number. Each has an idempotency key made
 * from the event, so a redelivered event never sends twice; a send that failed for a passing reason throws, so
 * Service Bus redelivers the event and the reply is tried again.
 */
export async function sendAutoReplies(
  event: MessageReceived,
  result: RouteResult,
  deps: AutoReplyDeps,
): Promise<number> {
  const applied =
    result.kind === 'message'
      ? { conversationId: result.conversationId, startedConversation: result.startedConversation }
      : result.kind === 'duplicate'
        ? result.applied
        : undefined;
  if (!applied) return 0;
  const replies = findAccount(deps.accounts, event.account)?.supportNumbers.find(
    (n) => n.number === event.to,
  )?.autoReplies;
  if (!replies) return 0;

  const consent = detectConsentKeyword(event.text);
  const wanted: ReplyKind[] = [];
  if (consent.kind === 'opt_out') wanted.push('optOut');
  else if (consent.kind === 'opt_in') wanted.push('optIn');
  else if (consent.kind === 'help') wanted.push('help');
  // A customer who just opted out gets the confirmation, not a greeting as well.
  if (applied.startedConversation && consent.kind !== 'opt_out') wanted.unshift('greeting');

  let sent = 0;
  for (const kind of wanted) {
    const text = replies[kind];
    if (!text) continue;
    const command = parseSendRequest({ conversationId: applied.conversationId, text }, `auto-${event.eventId}-${kind}`);
    if (!command.ok) throw command.error;
    const outcome = await deps.send(command.value, { bypassConsent: kind === 'optOut' });
    if (outcome.ok) {
      sent++;
      continue;
    }
    if (httpStatusOf[outcome.error.code] === 503) throw outcome.error;
    deps.logger.warn('automatic reply not sent', { kind, eventId: event.eventId, code: outcome.error.code });
  }
  return sent;
}
