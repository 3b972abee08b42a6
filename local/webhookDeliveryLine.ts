import { capLogFields, maskPhone } from '../shared/log';
import type { FailedDelivery } from '../shared/ports/webhookStore';
import type { ReceivedDelivery, RefusedDelivery } from './webhookReceiver';

/**
 * The lines `npm run sms -- webhooks listen` prints: one per delivery, with what a developer looks for in `data`
 * (ids, status or state, the start of the text) and every phone number masked to its last four digits, as in the
 * channel's logs.
 */

/** The most characters of a message's text a line shows. */
export const TEXT_SHOWN = 60;

type Data = Record<string, unknown>;

const timeOf = (at: Date) => at.toISOString().slice(11, 23) + 'Z';

const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : undefined;

function numberOf(value: unknown): string | undefined {
  if (typeof value === 'string') return maskPhone(value) || undefined;
  if (value && typeof value === 'object') {
    const n = value as { e164?: unknown; digits?: unknown };
    return numberOf(str(n.e164) ?? str(n.digits));
  }
  return undefined;
}

/** Numbers inside the text masked (as the log adapters do), then cut to TEXT_SHOWN characters. */
function shortText(text: string): string {
  const masked = String(capLogFields({ text })!.text).replace(/\s+/g, ' ');
  const chars = [...masked];
  return JSON.stringify(chars.length > TEXT_SHOWN ? chars.slice(0, TEXT_SHOWN - 1).join('') + '…' : masked);
}

/** `conversation …  message …  status …  from ***0100  "text"`: the fields the payload has, in that order. */
export function deliverySummary(data: unknown): string {
  if (!data || typeof data !== 'object') return '';
  const d = data as Data;
  const parts: string[] = [];
  const add = (label: string, value: string | undefined) => value && parts.push(`${label} ${value}`);
  add('conversation', str(d.conversationId));
  add('message', str(d.messageId));
  add('status', str(d.status));
  add('state', str(d.state));
  if (typeof d.consent === 'string') add('consent', d.consent);
  add('customer', numberOf(d.customer));
  add('from', numberOf(d.from));
  add('to', numberOf(d.to));
  if (typeof d.text === 'string') parts.push(shortText(d.text));
  return parts.join('  ');
}

/** `answered` is shown when it is not a 2xx: the developer is playing a failing endpoint (`--status 500`). */
export function deliveryLine(delivery: ReceivedDelivery, answered?: number): string {
  const data = (delivery.payload as { data?: unknown } | null)?.data;
  return [
    timeOf(delivery.receivedAt),
    delivery.type || '(no type)',
    delivery.id,
    deliverySummary(data),
    delivery.duplicate ? '(duplicate)' : '',
    answered !== undefined && (answered < 200 || answered > 299) ? `answered ${answered}` : '',
  ]
    .filter(Boolean)
    .join('  ');
}

/** What a sender put in an unverified request (its id, its path in the reason) is masked like any outside value. */
export function refusedLine(refused: RefusedDelivery): string {
  const masked = capLogFields({ id: refused.id ?? '', reason: refused.reason })!;
  return [
    timeOf(refused.receivedAt),
    `refused ${refused.status}`,
    masked.id ? `(webhook-id ${String(masked.id)})` : '',
    String(masked.reason),
  ]
    .filter(Boolean)
    .join('  ');
}

/** The WEBHOOK_ENDPOINTS value that makes a local run (`npm start`) deliver every event to the receiver at `url`. */
export function localEndpointsSetting(url: string, secretName: string): string {
  return JSON.stringify([{ name: 'local', url, secretName, events: ['*'] }]);
}

/** A failed delivery as `webhooks failed|replay` list it: when, where, what, and why. */
export function failedLine(f: FailedDelivery): string {
  const { delivery: d } = f;
  return `${f.failedAt}  ${d.endpoint}  ${d.type}  ${d.eventId}  ${f.attempts} attempt${f.attempts === 1 ? '' : 's'}  ${f.reason}: ${f.description}`;
}
