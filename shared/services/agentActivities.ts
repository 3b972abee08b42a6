import type { ConversationAction } from '../domain/conversationState';
import { estimateSegments } from '../domain/segments';
import { validateText } from '../domain/text';
import { conversationIdOf, type ConversationRecord } from '../domain/thread';
import { activityKey, classifyActivity, parseWebhookActivity, type WebhookActivity } from '../dynamics/activity';
import { agentReplyParts } from '../dynamics/agentReply';
import type { MessagingClient } from '../dynamics/messagingClient';
import type { DynamicsSettings } from '../dynamics/settings';
import type { WebhookAuthenticator } from '../dynamics/webhookAuth';
import { AppError, isTransient } from '../errors';
import type { Logger } from '../log';
import { failure, type Outcome, success } from '../outcome';
import type { DynamicsLinkStore } from '../ports/dynamicsLinks';
import type { AgentActivityPublisher, QueuedAgentActivity } from '../queue/activityPublisher';
import type { SendCommand } from './sendRequest';
import type { SendResult } from './sendResult';

/**
 * The agent's side of the bridge (docs/dynamics-protocol.md §5): the webhook only checks and queues, so that
 * Dynamics gets its answer at once and a redelivered activity is dropped by the queue's duplicate detection; the
 * queue's consumer applies each activity once, in the order of its Dynamics conversation.
 */

export interface ReceiveActivityInput {
  conversationId: string;
  authorization: string | undefined;
  /** The body as received (text) or already parsed. */
  body: unknown;
}

export interface ReceiveActivityDeps {
  webhook: Pick<DynamicsSettings['webhook'], 'mode'>;
  authenticator: WebhookAuthenticator;
  publisher: AgentActivityPublisher;
  now: () => Date;
  logger: Logger;
}

// Dynamics conversation ids are GUIDs; a session id is at most 128 characters.
const CONVERSATION_ID = /^[0-9A-Za-z._-]{1,128}$/;

export async function receiveAgentActivity(
  input: ReceiveActivityInput,
  deps: ReceiveActivityDeps,
): Promise<Outcome<void>> {
  if (deps.webhook.mode !== 'off') {
    const auth = await deps.authenticator.verify(input.authorization);
    if (!auth.ok) {
      deps.logger.warn('Dynamics webhook refused', { reason: auth.reason, kind: auth.kind });
      return auth.kind === 'unavailable'
        ? failure('queue_unavailable', 'The webhook token cannot be checked right now; try again.')
        : failure('unauthorized', auth.message);
    }
  }
  if (!CONVERSATION_ID.test(input.conversationId)) {
    return failure('invalid_request', 'The conversation id in the URL is not a Dynamics conversation id.');
  }
  let body = input.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body) as unknown;
    } catch {
      return failure('invalid_json', 'The body is not JSON.');
    }
  }
  const parsed = parseWebhookActivity(body, input.conversationId);
  if (!parsed.ok) return failure('invalid_request', parsed.message);

  const conversationId = input.conversationId.toLowerCase();
  const messageId = activityKey(parsed.activity, conversationId);
  await deps.publisher.publish({
    messageId,
    sessionId: conversationId,
    body: { schemaVersion: 1, conversationId, activity: parsed.activity, receivedAt: deps.now().toISOString() },
  });
  deps.logger.info('Dynamics activity queued', { dynamicsConversationId: conversationId, activityKey: messageId });
  return success(undefined);
}

export interface ApplyActivityDeps {
  settings: Pick<DynamicsSettings, 'agentAttachments' | 'smsSplitLength'>;
  links: DynamicsLinkStore;
  messaging: Pick<MessagingClient, 'postMessage'>;
  send(command: SendCommand, logger: Logger): Promise<Outcome<SendResult>>;
  change(conversationId: string, action: ConversationAction, logger: Logger): Promise<Outcome<unknown>>;
  conversation(threadId: string, n: number): Promise<Pick<ConversationRecord, 'state' | 'agentId'> | undefined>;
  logger: Logger;
}

/**
 * Applies one queued activity. Throwing hands it back to Service Bus (redelivered, then dead-lettered): so does
 * an activity whose link is not stored yet, since the relay stores it just after creating the conversation.
 */
export async function applyAgentActivity(body: unknown, deps: ApplyActivityDeps): Promise<void> {
  const queued = queuedActivityOf(body);
  const key = activityKey(queued.activity, queued.conversationId);
  const link = await deps.links.get(queued.conversationId);
  if (!link) {
    throw new Error(`No conversation of ours is linked to Dynamics conversation ${queued.conversationId} (yet).`);
  }
  const conversationId = conversationIdOf(link.threadId, link.conversation);
  const log = { conversationId, dynamicsConversationId: queued.conversationId, activityKey: key };
  const classified = classifyActivity(queued.activity);

  if (classified.kind === 'ignored') {
    deps.logger.info('Dynamics activity ignored', { ...log, reason: classified.reason });
    return;
  }
  if (classified.kind === 'system') {
    // A system event's text ("EventName: …") is Dynamics' bookkeeping: it is never sent to the customer.
    const { agent, name } = classified;
    const action: ConversationAction =
      classified.event === 'agent_joined'
        ? agent.id
          ? { kind: 'assign', agentId: agent.id, ...agentNameOf(agent) }
          : { kind: 'accept' }
        : classified.event === 'closed'
          ? { kind: 'close', reason: name.slice(0, 200) }
          : { kind: 'note', event: `dynamics:${name}`.slice(0, 256), ...agentFields(agent) };
    const outcome = await deps.change(conversationId, action, deps.logger);
    if (!outcome.ok) {
      if (isTransient(outcome.error.code)) throw outcome.error;
      // Closed already, or an event for an older conversation: nothing left to change.
      deps.logger.info('Dynamics event not applied', { ...log, event: name, code: outcome.error.code });
      return;
    }
    deps.logger.info('Dynamics event applied', { ...log, event: name, action: action.kind });
    return;
  }

  // The documented AgentAccepted names no agent (docs/dynamics-protocol.md §5); the agent's reply does, so a
  // conversation with no agent yet is assigned to the agent who answers it, before the SMS goes.
  if (classified.agent.id) {
    const current = await deps.conversation(link.threadId, link.conversation);
    if ((current?.state === 'open' || current?.state === 'active') && !current.agentId) {
      const assign: ConversationAction = {
        kind: 'assign',
        agentId: classified.agent.id,
        ...agentNameOf(classified.agent),
      };
      const assigned = await deps.change(conversationId, assign, deps.logger);
      if (!assigned.ok && isTransient(assigned.error.code)) throw assigned.error;
    }
  }

  const parts = agentReplyParts(classified, {
    attachments: deps.settings.agentAttachments,
    maxLength: deps.settings.smsSplitLength,
  });
  for (const [i, part] of parts.entries()) {
    const text = validateText(part);
    if (!text.ok) {
      deps.logger.warn('agent reply part cannot be sent as SMS', { ...log, part: i });
      continue;
    }
    const command: SendCommand = {
      target: { kind: 'conversation', threadId: link.threadId, n: link.conversation, conversationId },
      text: text.text,
      estimate: estimateSegments(text.text),
      // The activity's key: a redelivery (or Dynamics' own retry) sends each part once.
      idempotencyKey: parts.length > 1 ? `${key}-${i}` : key,
      origin: 'dynamics',
      fingerprint: JSON.stringify([conversationId, text.text]),
    };
    const sent = await deps.send(command, deps.logger);
    if (sent.ok) continue;
    if (isTransient(sent.error.code)) throw sent.error;
    // The agent must learn the customer did not get it; once per activity, whatever the number of parts.
    await deps.messaging.postMessage(queued.conversationId, {
      id: `${key}-refused`,
      text: refusalNotice(sent.error),
      automated: true,
    });
    deps.logger.warn('agent reply not sent; the agent was told', { ...log, code: sent.error.code });
    return;
  }
  deps.logger.info('agent reply sent', { ...log, parts: parts.length });
}

function agentFields(agent: { id?: string; name?: string }) {
  return { ...(agent.id ? { agentId: agent.id } : {}), ...agentNameOf(agent) };
}

function agentNameOf(agent: { name?: string }) {
  return agent.name ? { agentName: agent.name } : {};
}

function refusalNotice(error: AppError): string {
  if (error.code === 'recipient_opted_out') {
    return 'Not delivered: the customer opted out of SMS from this number; they must text START to receive messages again.';
  }
  if (error.code === 'conversation_closed') return 'Not delivered: this conversation is closed on the SMS side.';
  return `Not delivered: ${error.message.slice(0, 300)}`;
}

function queuedActivityOf(body: unknown): QueuedAgentActivity & { activity: WebhookActivity } {
  const value = (typeof body === 'string' ? JSON.parse(body) : body) as Partial<QueuedAgentActivity> | null;
  if (!value || value.schemaVersion !== 1 || typeof value.conversationId !== 'string') {
    throw new Error('The queued message is not a Dynamics activity (schemaVersion 1).');
  }
  const parsed = parseWebhookActivity(value.activity, value.conversationId);
  if (!parsed.ok) throw new Error(parsed.message);
  return { ...(value as QueuedAgentActivity), activity: parsed.activity };
}
