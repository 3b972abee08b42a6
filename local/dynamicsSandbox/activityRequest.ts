/**
 * The body of `POST /conversation/{id}` (docs/dynamics-protocol.md §4): a Bot Framework activity of type message,
 * typing, endOfConversation or event (MessageRead, or a custom event). What the real service does when
 * `channelId` or `conversation.id` disagree with the headers or the path is not documented; the sandbox
 * refuses (30002/30003), so a client that sends them inconsistent finds out here.
 */
import { isObject, type Parsed } from './createRequest';
import { badInput } from './problem';

export const MAX_TEXT = 6000;
const MAX_SHORT = 256;
const TYPES = new Set(['message', 'typing', 'endOfConversation', 'event']);
export const READ_EVENT = 'MessageRead';

export interface ActivityAttachment {
  contentType: string;
  contentUrl: string;
  name: string;
}

export type ParsedActivity =
  | {
      kind: 'message';
      text?: string;
      attachments: ActivityAttachment[];
      from: Record<string, string>;
      channelData: Record<string, unknown>;
      automated: boolean;
    }
  | { kind: 'typing' }
  | { kind: 'endOfConversation' }
  | { kind: 'read'; messageId: string }
  | { kind: 'customEvent'; name: string; values: Array<[string, unknown]> };

export interface ActivityTarget {
  channelId: string;
  conversationId: string;
}

const fail = (code: number, detail: string): { ok: false; problem: ReturnType<typeof badInput> } => ({
  ok: false,
  problem: badInput(code, detail),
});

function shortString(value: unknown, max = MAX_SHORT): value is string {
  return typeof value === 'string' && value.length <= max;
}

export function parseActivity(body: unknown, target: ActivityTarget): Parsed<ParsedActivity> {
  if (!isObject(body)) return fail(30012, 'The request body must be a JSON object (a Bot Framework activity).');
  const type = body.type;
  if (typeof type !== 'string' || type === '') return fail(30012, 'The activity has no type.');
  if (!shortString(type)) return fail(30012, `The activity type is longer than ${MAX_SHORT} characters.`);
  if (!TYPES.has(type)) return fail(30003, `The activity type '${type}' is not supported.`);

  if (body.channelId !== undefined) {
    if (typeof body.channelId !== 'string' || body.channelId.toLowerCase() !== target.channelId) {
      return fail(30002, 'The activity channelId does not match the channel-id header.');
    }
  }
  if (body.conversation !== undefined) {
    if (!isObject(body.conversation)) return fail(30012, 'conversation must be an object.');
    const id = body.conversation.id;
    if (id !== undefined && (typeof id !== 'string' || id.toLowerCase() !== target.conversationId)) {
      return fail(30003, 'The activity conversation.id does not match the conversation in the path.');
    }
  }
  const from: Record<string, string> = {};
  if (body.from !== undefined) {
    if (!isObject(body.from)) return fail(30012, 'from must be an object.');
    for (const field of ['id', 'name'] as const) {
      const value = body.from[field];
      if (value === undefined) continue;
      if (!shortString(value)) return fail(30012, `from.${field} must be a string of at most ${MAX_SHORT} characters.`);
      from[field] = value;
    }
  }

  if (type === 'typing') return { ok: true, value: { kind: 'typing' } };
  if (type === 'endOfConversation') return { ok: true, value: { kind: 'endOfConversation' } };
  if (type === 'event') return parseEvent(body);
  return parseMessage(body, from);
}

function parseMessage(body: Record<string, unknown>, from: Record<string, string>): Parsed<ParsedActivity> {
  const text = body.text;
  if (text !== undefined && text !== null && typeof text !== 'string') return fail(30012, 'text must be a string.');
  if (typeof text === 'string' && text.length > MAX_TEXT) {
    return fail(30011, `The text has ${text.length} characters. Max 6,000 characters.`);
  }
  const attachments: ActivityAttachment[] = [];
  if (body.attachments !== undefined && body.attachments !== null) {
    if (!Array.isArray(body.attachments)) return fail(30012, 'attachments must be an array.');
    for (const [i, raw] of body.attachments.entries()) {
      if (!isObject(raw)) return fail(30012, `attachments[${i}] must be an object.`);
      if (!shortString(raw.contentType) || raw.contentType === '') {
        return fail(30012, `attachments[${i}].contentType must be a MIME type of at most ${MAX_SHORT} characters.`);
      }
      if (typeof raw.contentUrl !== 'string' || raw.contentUrl === '') {
        return fail(30012, `attachments[${i}].contentUrl must be a URL or base64 content.`);
      }
      if (!shortString(raw.name) || raw.name === '') {
        return fail(30012, `attachments[${i}].name must be a file name of at most ${MAX_SHORT} characters.`);
      }
      attachments.push({ contentType: raw.contentType, contentUrl: raw.contentUrl, name: raw.name });
    }
  }
  if ((typeof text !== 'string' || text === '') && attachments.length === 0) {
    return fail(30016, 'The message has no text or attachments.');
  }
  let channelData: Record<string, unknown> = {};
  let automated = false;
  if (body.channelData !== undefined && body.channelData !== null) {
    if (!isObject(body.channelData)) return fail(30012, 'channelData must be an object.');
    const oc = body.channelData['messagingapi-oc'];
    if (oc !== undefined) {
      if (!isObject(oc) || (oc.type !== undefined && !shortString(oc.type))) {
        return fail(30012, `channelData["messagingapi-oc"].type must be a string of at most ${MAX_SHORT} characters.`);
      }
      automated = oc.type === 'AutomatedMessage';
    }
    channelData = body.channelData;
  }
  return {
    ok: true,
    value: {
      kind: 'message',
      ...(typeof text === 'string' && text !== '' && { text }),
      attachments,
      from,
      channelData,
      automated,
    },
  };
}

function parseEvent(body: Record<string, unknown>): Parsed<ParsedActivity> {
  const name = body.name;
  if (typeof name !== 'string' || name === '') return fail(30003, 'The event has no name.');
  if (!shortString(name)) return fail(30012, `The event name is longer than ${MAX_SHORT} characters.`);
  const channelData = isObject(body.channelData) ? body.channelData : {};
  const custom = channelData.customEvent === true;
  if (name === READ_EVENT) {
    if (custom) return fail(30003, `${READ_EVENT} is a reserved event name.`);
    const value = body.value;
    if (!isObject(value) || typeof value.messageId !== 'string' || !/^\d{13}$/.test(value.messageId)) {
      return fail(30012, `${READ_EVENT} needs value.messageId, a 13-digit message id.`);
    }
    return { ok: true, value: { kind: 'read', messageId: value.messageId } };
  }
  if (!custom) return fail(30003, `The event '${name}' is not supported (custom events need channelData.customEvent).`);
  const raw = channelData.customEventValue;
  if (raw === undefined || raw === null) return { ok: true, value: { kind: 'customEvent', name, values: [] } };
  let parsed: unknown;
  try {
    parsed = typeof raw === 'string' ? JSON.parse(raw) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!isObject(parsed)) return fail(30012, 'channelData.customEventValue must be a JSON string of an object.');
  const values = Object.entries(parsed).map(([key, v]): [string, unknown] => [
    key,
    isObject(v) && 'value' in v ? v.value : v,
  ]);
  return { ok: true, value: { kind: 'customEvent', name, values } };
}
