/**
 * The activities Dynamics POSTs to the webhook, shaped as the documentation's samples (docs/dynamics-protocol.md §5):
 * system events arrive as `type:"message"` with a `name` and an `EventName: **_X_**` text; agent messages carry
 * `textFormat:"markdown"`; typing comes with channelId `"MessagingApi"` and a recipient.
 */
import type { ResolvedWebhook } from './defaults';
import { newGuid } from './ids';
import type { AgentRef, AttachmentInput } from './types';

export type Activity = Record<string, unknown>;

interface Target {
  conversationId: string;
  channelId: string;
}

function withId(activity: Activity, options: ResolvedWebhook): Activity {
  return options.activityIds ? { ...activity, id: newGuid() } : activity;
}

/** The AgentAccepted sample has no `from`; the other event samples carry the agent's id only. */
export function eventActivity(
  target: Target,
  name: string,
  agent: AgentRef | undefined,
  options: ResolvedWebhook,
): Activity {
  let from: Record<string, string> | undefined;
  if (agent && options.eventFrom === 'agent') from = { id: agent.id, name: agent.name };
  else if (agent && name !== 'AgentAccepted') from = { id: agent.id };
  return withId(
    {
      type: options.eventType,
      channelId: target.channelId,
      ...(from && { from }),
      conversation: { id: target.conversationId },
      text: `EventName: **_${name}_**`,
      name,
    },
    options,
  );
}

/** What an agent sends: a Markdown message from the agent by id and name, `content` last. */
function fromAgent(target: Target, agent: AgentRef, content: Activity, options: ResolvedWebhook): Activity {
  return withId(
    {
      type: 'message',
      channelId: target.channelId,
      from: { id: agent.id, name: agent.name },
      conversation: { id: target.conversationId },
      textFormat: 'markdown',
      ...content,
    },
    options,
  );
}

export function agentMessage(target: Target, agent: AgentRef, text: string, options: ResolvedWebhook): Activity {
  return fromAgent(target, agent, { text }, options);
}

export function agentAttachment(
  target: Target,
  agent: AgentRef,
  attachment: AttachmentInput,
  options: ResolvedWebhook,
): Activity {
  const file = {
    contentType: attachment.contentType ?? contentTypeOf(attachment.name),
    contentUrl: attachment.contentUrl,
    content: null,
    name: attachment.name,
    thumbnailUrl: null,
  };
  return fromAgent(target, agent, { attachments: [file] }, options);
}

export function typingActivity(target: Target, recipientId: string, options: ResolvedWebhook): Activity {
  return withId(
    {
      type: 'typing',
      channelId: 'MessagingApi',
      conversation: { id: target.conversationId },
      recipient: { id: recipientId },
    },
    options,
  );
}

const TYPES: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  pdf: 'application/pdf',
  txt: 'text/plain',
};

function contentTypeOf(name: string): string {
  const ext = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase();
  return (ext && TYPES[ext]) || 'application/octet-stream';
}
