import { splitText } from '../domain/splitText';
import { classifyFailure, type Operation } from './answer';
import { DynamicsError } from './dynamicsError';
import type { TokenProvider } from './tokenProvider';

/**
 * The Messaging API's two writes (docs/dynamics-protocol.md §3.1, §3.2, §4): create a conversation, post an
 * activity into one. Every call carries the bearer token and the `channel-id` / `organization-id` headers; a 401
 * gets one fresh token and one more try. Nothing else is retried here: the caller's queue retries with backoff, and
 * `DynamicsError.kind` tells it how (dynamicsError.ts).
 */

export interface MessagingClientOptions {
  /** `https://m-{org}.{geo}.omnichannelengagementhub.com`. */
  baseUrl: string;
  organizationId: string;
  channelId: string;
  tokens: TokenProvider;
  /** Per attempt, until the whole answer is read. Default 10 000. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  now?: () => Date;
}

/** A context variable shown to the agent (or only to routing, with `isDisplayable: false`). */
export type ContextValue = string | number | boolean | { value: string | number | boolean; isDisplayable: boolean };

export interface CreateConversationRequest {
  /** Dynamics returns the active conversation of the same customer id instead of creating one (≤ 200). */
  customerId: string;
  /** Used to find the contact; in the form the organisation stores (≤ 200). */
  phoneNumber?: string;
  firstName?: string;
  lastName?: string;
  preferredName?: string;
  email?: string;
  /** At most 100 entries. */
  context?: Record<string, ContextValue>;
  /** The customer's first message, shown to the agent. */
  startMessage?: { text: string; displayName?: string };
  /** `conversationrequestid`: the inbound SMS id, in case Dynamics deduplicates on it. */
  requestId?: string;
  skipDeflectionBot?: boolean;
}

export interface CreatedConversation {
  conversationId: string;
  isNew: boolean;
  /** Present when a start message was given: its ordering id. */
  messageId?: string;
}

export interface OutgoingAttachment {
  contentType: string;
  contentUrl: string;
  name: string;
}

export type OutgoingActivity =
  | {
      type: 'message';
      /** Our message id: the same message posted twice carries the same id. */
      id?: string;
      from?: { id?: string; name?: string };
      text?: string;
      attachments?: OutgoingAttachment[];
      /** Marks a reply the channel sent by itself (HELP, STOP confirmation, a delivery notice). */
      automated?: boolean;
    }
  | { type: 'endOfConversation' };

export interface PostedActivity {
  messageId?: string;
}

export interface MessagingClient {
  createConversation(request: CreateConversationRequest): Promise<CreatedConversation>;
  postActivity(conversationId: string, activity: OutgoingActivity): Promise<PostedActivity>;
  /**
   * A customer message as one `message` activity, or, over 6,000 characters, several in order: ids `<id>-1`,
   * `<id>-2`… so each part is still the same activity when posted again.
   */
  postMessage(
    conversationId: string,
    message: { id: string; text: string; from?: { id?: string; name?: string }; automated?: boolean },
  ): Promise<PostedActivity[]>;
}

/** Dynamics' limit on one activity's text (error 30011). */
export const ACTIVITY_TEXT_MAX = 6000;
const FIELD_MAX = 200;
const CONTEXT_MAX_ENTRIES = 100;
const BODY_READ_MAX = 64 * 1024;

type Attempt = { status: number; headers: Headers; body: string };

export function createMessagingClient(options: MessagingClientOptions): MessagingClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 10_000;
  const fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  const now = options.now ?? (() => new Date());

  async function attempt(path: string, body: unknown, token: string): Promise<Attempt> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const response = await fetchImpl(baseUrl + path, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'channel-id': options.channelId,
          'organization-id': options.organizationId,
          'content-type': 'application/json',
          accept: 'application/json',
        },
        body: JSON.stringify(body),
        signal: controller.signal,
        // A redirected POST becomes a GET elsewhere; the API does not redirect, so one is reported, not followed.
        redirect: 'manual',
      });
      const text = await response.text();
      return { status: response.status, headers: response.headers, body: text.slice(0, BODY_READ_MAX) };
    } catch (error) {
      const timedOut = controller.signal.aborted;
      throw new DynamicsError(
        'unavailable',
        timedOut
          ? `Dynamics did not answer within ${timeoutMs} ms.`
          : `Dynamics could not be reached (${describeNetworkError(error)}).`,
        { outcomeUnknown: timedOut || !neverSent(error) },
      );
    } finally {
      clearTimeout(timer);
    }
  }

  async function call(operation: Operation, path: string, body: unknown): Promise<unknown> {
    let token = await options.tokens.getToken();
    let answer = await attempt(path, body, token);
    if (answer.status === 401) {
      options.tokens.invalidate(token);
      token = await options.tokens.getToken();
      answer = await attempt(path, body, token);
    }
    if (answer.status >= 200 && answer.status < 300) return parseJson(answer.body);
    throw classifyFailure(operation, answer.status, answer.headers, answer.body, now());
  }

  async function postActivity(conversationId: string, activity: OutgoingActivity): Promise<PostedActivity> {
    const body = activityBody(options.channelId, conversationId, activity);
    const answer = await call(
      'activity',
      `/api/v1.0/consumer/conversation/${encodeURIComponent(conversationId)}`,
      body,
    );
    const messageId = member(answer, 'messageId');
    return typeof messageId === 'string' && messageId !== '' ? { messageId } : {};
  }

  return {
    async createConversation(request) {
      const answer = await call('create', '/api/v1.0/consumer/conversation/create', createBody(request));
      const conversationId = member(answer, 'conversationId');
      if (typeof conversationId !== 'string' || conversationId.trim() === '') {
        throw new DynamicsError('unavailable', 'Dynamics answered the create without a conversationId.');
      }
      const isNew = member(answer, 'isNew');
      const messageId = member(answer, 'messageId');
      return {
        conversationId,
        // Absent only if the shape changed; "new" is the reading that does not skip the start message.
        isNew: isNew !== false && isNew !== 'false',
        ...(typeof messageId === 'string' || typeof messageId === 'number' ? { messageId: String(messageId) } : {}),
      };
    },

    postActivity,

    async postMessage(conversationId, message) {
      const parts =
        message.text.length > ACTIVITY_TEXT_MAX ? splitText(message.text, ACTIVITY_TEXT_MAX) : [message.text];
      const posted: PostedActivity[] = [];
      for (const [i, text] of parts.entries()) {
        const id = parts.length === 1 ? message.id : `${message.id}-${i + 1}`;
        posted.push(
          await postActivity(conversationId, {
            type: 'message',
            id,
            text,
            from: message.from,
            automated: message.automated,
          }),
        );
      }
      return posted;
    },
  };
}

function createBody(request: CreateConversationRequest): Record<string, unknown> {
  const customer: Record<string, string> = {};
  const fields = {
    customerid: request.customerId,
    phonenumber: request.phoneNumber,
    firstname: request.firstName,
    lastname: request.lastName,
    preferredname: request.preferredName,
    email: request.email,
  };
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (value.length > FIELD_MAX) refuse(`${key} is ${value.length} characters; Dynamics allows ${FIELD_MAX}.`);
    customer[key] = value;
  }
  if (!request.customerId.trim()) refuse('customerid is empty.');

  const body: Record<string, unknown> = { customercontext: customer };
  if (request.context) {
    const entries = Object.entries(request.context);
    if (entries.length > CONTEXT_MAX_ENTRIES) {
      refuse(`conversationcontext has ${entries.length} entries; Dynamics allows ${CONTEXT_MAX_ENTRIES}.`);
    }
    body.conversationcontext = Object.fromEntries(
      entries.map(([key, v]) => [key, typeof v === 'object' ? v : { isDisplayable: true, value: v }]),
    );
  }
  if (request.requestId !== undefined) body.conversationrequestid = request.requestId;
  // The reference's example puts these two at the top level, where its table does not; the example is followed.
  if (request.startMessage) {
    body.startmessage = {
      message: request.startMessage.text,
      ...(request.startMessage.displayName ? { displayname: request.startMessage.displayName } : {}),
    };
  }
  if (request.skipDeflectionBot !== undefined) body.skipdeflectionbot = request.skipDeflectionBot;
  return body;
}

function activityBody(channelId: string, conversationId: string, activity: OutgoingActivity): Record<string, unknown> {
  // channelId and conversation.id always match the headers and the path: what a mismatch does is not documented.
  const common = { channelId, conversation: { id: conversationId } };
  if (activity.type === 'endOfConversation') return { type: 'endOfConversation', ...common };

  const hasText = activity.text !== undefined && activity.text !== '';
  const attachments = activity.attachments ?? [];
  if (!hasText && attachments.length === 0) refuse('a message needs text or an attachment (Dynamics code 30016).');
  if (hasText && activity.text!.length > ACTIVITY_TEXT_MAX) {
    refuse(`the text is ${activity.text!.length} characters; Dynamics allows ${ACTIVITY_TEXT_MAX} (code 30011).`);
  }
  return {
    type: 'message',
    ...(activity.id !== undefined ? { id: activity.id } : {}),
    ...common,
    ...(activity.from ? { from: activity.from } : {}),
    ...(hasText ? { text: activity.text } : {}),
    ...(attachments.length ? { attachments } : {}),
    ...(activity.automated ? { channelData: { 'messagingapi-oc': { type: 'AutomatedMessage' } } } : {}),
  };
}

/** A request Dynamics would refuse is refused here, before anything is sent. */
function refuse(reason: string): never {
  throw new DynamicsError('rejected', `Not sent to Dynamics: ${reason}`);
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Dynamics' examples and tables disagree on casing (`messageId`, `messageid`), so members are matched without it. */
function member(value: unknown, name: string): unknown {
  if (typeof value !== 'object' || value === null) return undefined;
  const wanted = name.toLowerCase();
  const key = Object.keys(value).find((k) => k.toLowerCase() === wanted);
  return key === undefined ? undefined : (value as Record<string, unknown>)[key];
}

// undici writes nothing before its socket connects: these failures cannot have delivered the request.
const NOT_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function causeCode(error: unknown): string | undefined {
  const cause = (error as { cause?: unknown })?.cause ?? error;
  const code = (cause as { code?: unknown })?.code;
  return typeof code === 'string' ? code : undefined;
}

function neverSent(error: unknown): boolean {
  const code = causeCode(error);
  return code !== undefined && NOT_SENT.has(code);
}

function describeNetworkError(error: unknown): string {
  return causeCode(error) ?? (error instanceof Error ? error.name : 'network error');
}
