import { type Answer, call, config, errorText } from './api.js';
import { byId, el, time } from './dom.js';

/**
 * The agent: the conversations API for the list, the transcript and the moves, POST /api/messages for a reply.
 * As the Dynamics agent, the reply and the moves go to the Dynamics sandbox's control API instead, and the bridge
 * is what carries them to the channel (and the customer).
 */
interface Conversation {
  id: string;
  state: string;
  queue: string;
  agentId?: string;
  agentName?: string;
  customerNumber: { e164: string; digits: string };
  lastActivityAt: string;
  consent?: { state: string };
}

interface Message {
  id: string;
  direction: 'inbound' | 'outbound';
  text: string;
  createdAt: string;
  status: string;
  timeline: Array<{ status: string; at: string; code?: number; description?: string }>;
  failure?: { code: string; reason?: string };
  consentSignal?: string;
}

let selected: string | undefined;
let current: Conversation | undefined;
/** The last reply that failed in a way a retry can mend: resent with the same Idempotency-Key. */
let retry: { conversationId: string; text: string; key: string } | undefined;

const asDynamics = () => byId<HTMLInputElement>('as-dynamics').checked;

function conversationButton(c: Conversation): HTMLLIElement {
  const button = el(
    'button',
    { type: 'button', 'aria-current': String(c.id === selected) },
    el('span', { class: 'who' }, c.customerNumber.e164),
    ` · ${c.state} · ${c.queue}`,
    el(
      'span',
      { class: 'timeline' },
      `${time(c.lastActivityAt)}${c.agentName || c.agentId ? ` · ${c.agentName ?? c.agentId}` : ''}`,
    ),
  );
  button.addEventListener('click', () => {
    selected = c.id;
    void refreshAgent();
  });
  return el('li', {}, button);
}

function timelineOf(m: Message): string {
  const steps = m.timeline.map((t) => `${t.status} ${time(t.at)}${t.code !== undefined ? ` (${t.code})` : ''}`);
  const failure = m.failure ? ` — ${m.failure.code}${m.failure.reason ? `: ${m.failure.reason}` : ''}` : '';
  return `${steps.join(' → ') || m.status}${failure}`;
}

function messageItem(m: Message): HTMLLIElement {
  const who = m.direction === 'inbound' ? 'Customer' : 'Us';
  return el(
    'li',
    {},
    el('span', { class: 'who' }, `${who} `),
    el('span', { class: 'timeline', style: 'display:inline' }, time(m.createdAt)),
    el('div', {}, m.text),
    m.direction === 'outbound'
      ? el('span', { class: `timeline ${m.status}`, 'aria-label': `status ${m.status}` }, timelineOf(m))
      : m.consentSignal
        ? el('span', { class: 'timeline' }, `consent: ${m.consentSignal}`)
        : undefined,
  );
}

async function refreshList(): Promise<void> {
  const state = byId<HTMLSelectElement>('state-filter').value;
  const answer = await call('GET', `/api/conversations${state ? `?state=${state}` : ''}`);
  const items: Conversation[] = answer.ok ? answer.body.items : [];
  // The newest is shown until the agent picks one: a new SMS lands in front of them.
  if (!selected || !items.some((c) => c.id === selected)) selected = items[0]?.id;
  byId('conversations').replaceChildren(...items.map(conversationButton));
}

async function refreshTranscript(): Promise<void> {
  if (!selected) {
    current = undefined;
    byId('transcript').replaceChildren();
    return;
  }
  const id = encodeURIComponent(selected);
  const [detail, messages] = await Promise.all([
    call('GET', `/api/conversations/${id}`),
    call('GET', `/api/conversations/${id}/messages?limit=100`),
  ]);
  if (!detail.ok) return;
  current = detail.body;
  const c = current!;
  byId('transcript-title').textContent =
    `${c.customerNumber.e164} · ${c.state} · queue ${c.queue}${c.consent && c.consent.state !== 'none' ? ` · ${c.consent.state.replace('_', ' ')}` : ''}`;
  const list = byId('transcript');
  list.replaceChildren(...((messages.ok ? messages.body.items : []) as Message[]).map(messageItem));
  list.scrollTop = list.scrollHeight;
}

export async function refreshAgent(): Promise<void> {
  await refreshList();
  await refreshTranscript();
}

function showRefusal(answer: Answer, what: string) {
  byId('agent-error').textContent = `${what} refused (${answer.status}) ${errorText(answer)}`;
}

async function sendReply(conversationId: string, text: string, key: string) {
  byId('agent-error').textContent = '';
  const answer = await call('POST', '/api/messages', { conversationId, text }, { 'idempotency-key': key });
  // A failure Telesign may mend (429, 5xx) keeps the key: the send API lets that retry through once it does.
  const mendable = answer.status === 429 || answer.status >= 500;
  retry = !answer.ok && mendable ? { conversationId, text, key } : undefined;
  byId('reply-retry').hidden = !retry;
  if (!answer.ok) showRefusal(answer, 'Send');
  await refreshTranscript();
  return answer.ok;
}

/** The Dynamics agent, through the sandbox; the conversation is named by the customer's number, as the CLI does. */
async function dynamicsAction(action: 'accept' | 'reply' | 'end', body: unknown = {}) {
  if (!current) return false;
  byId('agent-error').textContent = '';
  const ref = encodeURIComponent(current.customerNumber.e164);
  const answer = await call('POST', `/console/dynamics/conversations/${ref}/${action}`, body);
  if (!answer.ok) showRefusal(answer, `Dynamics ${action}`);
  return answer.ok;
}

async function move(action: 'assign' | 'wait' | 'close') {
  if (!selected) return;
  byId('agent-error').textContent = '';
  const body = action === 'assign' ? { agentId: byId<HTMLInputElement>('agent-id').value } : {};
  const answer = await call('POST', `/api/conversations/${encodeURIComponent(selected)}/${action}`, body);
  if (!answer.ok) showRefusal(answer, action[0].toUpperCase() + action.slice(1));
  await refreshAgent();
}

export function startAgent(): void {
  if (config.dynamicsSandbox) byId('dynamics-toggle-label').hidden = false;
  byId('as-dynamics').addEventListener('change', () => {
    byId('api-actions').hidden = asDynamics();
    byId('dynamics-actions').hidden = !asDynamics();
  });
  byId('state-filter').addEventListener('change', () => void refreshAgent());
  byId('assign').addEventListener('click', () => void move('assign'));
  byId('wait').addEventListener('click', () => void move('wait'));
  byId('close').addEventListener('click', () => void move('close'));
  byId('accept').addEventListener('click', () => void dynamicsAction('accept', { agentName: 'Console agent' }));
  byId('end').addEventListener('click', () => void dynamicsAction('end'));
  const textarea = byId<HTMLTextAreaElement>('reply-text');
  byId('reply-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const text = textarea.value;
    if (!text.trim() || !selected) return;
    const sent = asDynamics() ? dynamicsAction('reply', { text }) : sendReply(selected, text, crypto.randomUUID());
    void sent.then((ok) => {
      if (ok) textarea.value = '';
    });
  });
  byId('reply-retry').addEventListener('click', () => {
    if (!retry) return;
    const { text } = retry;
    void sendReply(retry.conversationId, text, retry.key).then((ok) => {
      if (ok && textarea.value === text) textarea.value = '';
    });
  });
}
