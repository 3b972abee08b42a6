import type { ChannelEvent } from '../domain/channelEvents';
import { inboundMessageEvents } from '../domain/channelEventsOf';
import { initialConversationState, isConversationState } from '../domain/conversationState';
import type { MessageReceived } from '../domain/inboundEvent';
import type { InboundPlan } from '../domain/inboundMessage';
import { conversationIdOf, type ConversationRecord, type MessageRecord, type ThreadRecord } from '../domain/thread';
import type { ConsentRecord, ConsentStore } from '../ports/consentStore';
import type { ConversationReader } from '../ports/conversationReader';
import type { MarkerProperties, ThreadStore } from '../ports/threadStore';

/**
 * An inbound message is applied once; its event marker remembers what it did, so that a redelivery, which
 * changes nothing, can still give back the channel events of the first delivery (for a consumer that missed
 * them) and finish the work that follows them.
 */

export interface ReplayDeps {
  threads: ThreadStore;
  consent: ConsentStore;
  /** Finds the message of a marker written before markers kept its number. */
  conversations?: ConversationReader;
}

/** What the marker of an applied inbound message keeps. */
export function inboundMarkerOf(event: MessageReceived, plan: InboundPlan): MarkerProperties {
  return {
    type: event.type,
    conversation: plan.conversation.n,
    started: plan.startedConversation,
    m: plan.message.m,
    ...(plan.moved ? { movedFrom: plan.moved.from, movedTo: plan.moved.to } : {}),
  };
}

export interface Replayed {
  /** What the first delivery did, when the marker says (markers have always kept the conversation). */
  applied?: { conversationId: string; startedConversation: boolean };
  conversation?: ConversationRecord;
  /**
   * The conversation as the first delivery left it, when that delivery filed it in the index (it started or moved
   * it): its state then, and its activity then (the message's time, which the change also gave the conversation).
   */
  filedAs?: ConversationRecord;
  events: ChannelEvent[];
}

export async function replayInbound(
  event: MessageReceived,
  marker: MarkerProperties | undefined,
  thread: ThreadRecord | undefined,
  deps: ReplayDeps,
): Promise<Replayed> {
  const n = Number(marker?.conversation);
  if (!marker || !Number.isInteger(n) || n <= 0) return { events: [] };
  const startedConversation = marker.started === true;
  const applied = { conversationId: conversationIdOf(event.threadId, n), startedConversation };
  const conversation = await deps.threads.getConversation(event.threadId, n);
  const message = await findMessage(event, n, Number(marker.m), deps);
  if (!thread || !conversation || !message) return { applied, conversation, events: [] };

  const { movedFrom, movedTo } = marker;
  const moved =
    isConversationState(movedFrom) && isConversationState(movedTo) ? { from: movedFrom, to: movedTo } : undefined;
  const consent = await consentSetBy(event, message, deps.consent);
  const filedAs =
    startedConversation || moved
      ? { ...conversation, state: moved?.to ?? initialConversationState, updatedAt: message.createdAt }
      : undefined;
  return {
    applied,
    conversation,
    filedAs,
    events: inboundMessageEvents({ thread, conversation, message, startedConversation, moved, consent }),
  };
}

/**
 * The consent this message set, if it is still the customer's: a keyword that a newer one has since overridden
 * (or that came too late to count) is not said again, so a consumer is never handed a stale consent.
 */
export async function consentSetBy(
  event: MessageReceived,
  message: Pick<MessageRecord, 'consentSignal'>,
  consent: ConsentStore,
): Promise<ConsentRecord | undefined> {
  if (message.consentSignal !== 'opt_out' && message.consentSignal !== 'opt_in') return undefined;
  const current = await consent.get(event.account, event.from);
  return current?.eventId === event.eventId ? current : undefined;
}

async function findMessage(
  event: MessageReceived,
  n: number,
  m: number,
  deps: ReplayDeps,
): Promise<MessageRecord | undefined> {
  if (Number.isInteger(m) && m > 0) {
    const { message } = await deps.threads.readMessage(event.threadId, n, m);
    return message?.eventId === event.eventId ? message : undefined;
  }
  if (!deps.conversations) return undefined;
  for (let afterM = 0; ;) {
    const page = await deps.conversations.messages(event.threadId, n, afterM, 100);
    const found = page.messages.find((message) => message.eventId === event.eventId);
    if (found || page.lastM === undefined) return found;
    afterM = page.lastM;
  }
}
