import { isDynamicsError } from '../dynamics/dynamicsError';
import type { CreateConversationRequest, CreatedConversation, MessagingClient } from '../dynamics/messagingClient';
import type { Logger } from '../log';
import type { MarkerKey, ThreadStore } from '../ports/threadStore';
import { callDynamics, type DynamicsRetryOptions } from './dynamicsRetry';
import { done, withOptimisticRetry } from './optimisticRetry';

/**
 * The create of a Dynamics conversation with a customer message as its start message (docs/dynamics-protocol.md
 * §3.1), safe to repeat. Dynamics keeps one active conversation per `customerid`: a repeat gets that conversation
 * with `isNew: false`, and its start message is not used, so the message has to be posted. Unless that conversation
 * is the one an earlier create of this very message started: Dynamics took it, but its answer was lost (a timeout,
 * a dropped connection: retried inside the handler) or the link was never stored (the handler failed before
 * `linkConversation`; Service Bus redelivers the event). The message is its start message already, and posting it
 * would show it twice. So the create marker is committed before the first create is sent, and an `isNew: false`
 * after an earlier create of the message (the marker was there, or an earlier attempt of this run may have been
 * taken) counts as that create's conversation.
 */
export interface CreateDeps extends DynamicsRetryOptions {
  threads: ThreadStore;
  messaging: MessagingClient;
  logger: Logger;
}

export interface StartTarget {
  threadId: string;
  /** Our conversation the Dynamics one mirrors (its id is the create's `customerid`). */
  n: number;
  /** The customer message sent as the start message. */
  messageId: string;
}

export interface Created extends CreatedConversation {
  /** The start message is not in the conversation: Dynamics had it before any create of this message. */
  postStart: boolean;
}

/** A create with this message as the start message of conversation `n` may have reached Dynamics. */
export const createMarker = (n: number, messageId: string): MarkerKey => ({
  event: `dynamics-create-${n}-${messageId}`,
});

export async function createWithStartMessage(
  deps: CreateDeps,
  target: StartTarget,
  request: CreateConversationRequest,
): Promise<Created> {
  const start = request.startMessage !== undefined;
  // Sent before: by an earlier delivery (the marker was there), or by an earlier attempt of this run.
  let sentBefore = start && (await noteCreate(deps.threads, target));
  const created = await callDynamics(
    'the conversation create',
    () =>
      deps.messaging.createConversation(request).catch((error: unknown) => {
        // Only a throttled create certainly did not reach Dynamics; any other failure may have been taken.
        if (!(isDynamicsError(error) && error.kind === 'rate_limited')) sentBefore = true;
        throw error;
      }),
    deps.logger,
    deps,
  );
  if (created.isNew || !start) return { ...created, postStart: false };
  if (!sentBefore) return { ...created, postStart: true };
  deps.logger.warn(
    'Dynamics had the conversation already; taken for the one an earlier create of the message started',
    {
      messageId: target.messageId,
      dynamicsConversationId: created.conversationId,
    },
  );
  return { ...created, postStart: false };
}

/** Commits the create marker unless it is there; true when it was (an earlier delivery sent the create). */
async function noteCreate(threads: ThreadStore, target: StartTarget): Promise<boolean> {
  const key = createMarker(target.n, target.messageId);
  return withOptimisticRetry(async () => {
    const { thread, version, applied } = await threads.read(target.threadId, key);
    if (applied) return done(true);
    // The event is published after its change was committed, so a missing thread is a read that went wrong.
    if (!thread || !version) throw new Error(`Thread ${target.threadId} was not found for ${target.messageId}.`);
    const result = await threads.commit(target.threadId, version, { thread, markers: [{ key }] });
    return result === 'committed' ? done(false) : { committed: false };
  });
}
