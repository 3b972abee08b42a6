import { createHash } from 'node:crypto';

import { z } from 'zod';

/**
 * What Dynamics posts to the webhook (docs/dynamics-protocol.md §5): a Bot Framework activity. Only the members the
 * bridge reads are checked, each with a length cap; others pass through. System events arrive as `message`
 * activities with a `name` and an "EventName: …" text, so the name, not the type, decides.
 */

const short = z.string().max(256);
const url = z.string().max(8192);
// Agent text has no documented maximum; this bounds what one webhook can turn into (20 SMS of 1,600).
const AGENT_TEXT_MAX = 32_000;
const idLike = z.union([z.string().max(256), z.number()]).transform(String);

export const webhookActivitySchema = z.looseObject({
  type: z.string().min(1).max(256),
  id: idLike.nullish(),
  timestamp: idLike.nullish(),
  channelId: short.nullish(),
  from: z.looseObject({ id: short.nullish(), name: short.nullish() }).nullish(),
  conversation: z.looseObject({ id: short }).nullish(),
  text: z.string().max(AGENT_TEXT_MAX).nullish(),
  textFormat: short.nullish(),
  name: short.nullish(),
  attachments: z
    .array(
      z.looseObject({
        contentType: short.nullish(),
        contentUrl: url.nullish(),
        name: short.nullish(),
        thumbnailUrl: url.nullish(),
      }),
    )
    .max(20)
    .nullish(),
  value: z.unknown().optional(),
});

export type WebhookActivity = z.infer<typeof webhookActivitySchema>;

export type ParsedActivity = { ok: true; activity: WebhookActivity } | { ok: false; message: string };

/** Validates a webhook body for the conversation named in its path; the body's own id, when given, must agree. */
export function parseWebhookActivity(body: unknown, pathConversationId: string): ParsedActivity {
  const result = webhookActivitySchema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue.path.length ? issue.path.join('.') : 'body';
    return { ok: false, message: `The activity is not valid: ${where}: ${issue.message}` };
  }
  const inBody = result.data.conversation?.id;
  if (inBody !== undefined && inBody.toLowerCase() !== pathConversationId.toLowerCase()) {
    return { ok: false, message: 'The activity names another conversation than its URL.' };
  }
  return { ok: true, activity: result.data };
}

export type SystemEvent = 'agent_joined' | 'closed' | 'transfer' | 'other';

export interface Agent {
  id?: string;
  name?: string;
}

export interface AgentAttachment {
  contentUrl: string;
  contentType?: string;
  name?: string;
}

export type ClassifiedActivity =
  | { kind: 'ignored'; reason: 'typing' | 'empty_message' | 'unsupported_type' }
  /** Never sent as SMS. `event` is what the bridge does with it; `name` is Dynamics' own, kept for the record. */
  | { kind: 'system'; event: SystemEvent; name: string; agent: Agent }
  | { kind: 'agent_message'; text: string; textFormat?: string; attachments: AgentAttachment[]; agent: Agent };

// The documented names, the ones only in the samples, and the earlier draft's (docs/dynamics-protocol.md §5).
// Lower case.
const eventsByName = new Map<string, SystemEvent>([
  ...['agentaccepted', 'agentassigned', 'agentjoinedcustomerconversation', 'agentjoinedconversation'].map(
    (n) => [n, 'agent_joined'] as const,
  ),
  ...[
    'agentendsession',
    'agentendedsession',
    'primaryagentendconversation',
    'conversationclose',
    'conversationclosed',
    'agentclosed',
    'supervisorforceclosedconversation',
  ].map((n) => [n, 'closed'] as const),
  ...[
    'transfertoagentinitiated',
    'transfertoagentfailed',
    'transferagentacceptsession',
    'transferagentrejectsession',
    'transferagenttimedoutsession',
    'transfertoqueueinitiated',
    'transfertoqueuefailed',
    'agenttransferacceptedsession',
    'agenttransferfailed',
    'queuetransferfailed',
  ].map((n) => [n, 'transfer'] as const),
]);

export function classifyActivity(activity: WebhookActivity): ClassifiedActivity {
  const type = activity.type.toLowerCase();
  if (type === 'typing') return { kind: 'ignored', reason: 'typing' };
  const agent = agentOf(activity);
  const name = activity.name?.trim();
  if (name) return { kind: 'system', event: eventsByName.get(name.toLowerCase()) ?? 'other', name, agent };
  if (type !== 'message') return { kind: 'ignored', reason: 'unsupported_type' };

  const attachments = (activity.attachments ?? []).flatMap((a): AgentAttachment[] =>
    a.contentUrl?.trim()
      ? [
          {
            contentUrl: a.contentUrl.trim(),
            ...(a.contentType ? { contentType: a.contentType } : {}),
            ...(a.name ? { name: a.name } : {}),
          },
        ]
      : [],
  );
  const text = activity.text ?? '';
  if (text.trim() === '' && attachments.length === 0) return { kind: 'ignored', reason: 'empty_message' };
  return {
    kind: 'agent_message',
    text,
    ...(activity.textFormat ? { textFormat: activity.textFormat } : {}),
    attachments,
    agent,
  };
}

function agentOf(activity: WebhookActivity): Agent {
  return {
    ...(activity.from?.id ? { id: activity.from.id } : {}),
    ...(activity.from?.name ? { name: activity.from.name } : {}),
  };
}

/**
 * The same activity delivered again gets the same key; the key is safe as an idempotency key (ASCII, 47
 * characters). With an `id`, the key is the id within its conversation. Without one, it is a digest of what the
 * activity says, its timestamp included when given: then two identical texts with neither id nor timestamp
 * share a key too, which the caller bounds with a time window (docs/dynamics-protocol.md §5 suggests about 60 s).
 */
export function activityKey(activity: WebhookActivity, conversationId: string): string {
  const conversation = (activity.conversation?.id ?? conversationId).toLowerCase();
  const parts = activity.id
    ? ['id', conversation, activity.id]
    : [
        'content',
        conversation,
        activity.type,
        activity.name ?? '',
        activity.timestamp ?? '',
        activity.text ?? '',
        ...(activity.attachments ?? []).map((a) => a.contentUrl ?? ''),
      ];
  // JSON keeps the boundaries: ("a", "bc") and ("ab", "c") must not collide.
  const digest = createHash('sha256').update(JSON.stringify(parts)).digest('base64url');
  return `dyn-${digest}`;
}
