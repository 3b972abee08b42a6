import { call, config, digitsOf, errorText } from './api.js';
import { byId, el, time } from './dom.js';

/**
 * The customer's phone: what it sends goes through the Telesign sandbox's inbound path, exactly as a carrier's
 * MO would; what we sent it is the sandbox's record of our API calls, with the delivery reports it gave.
 */
interface Bubble {
  mine: boolean;
  text: string;
  at: string;
  status?: 'sent' | 'delivered' | 'failed';
  /** Telesign's last report, shown on hover. */
  code?: string;
}

interface SandboxMessage {
  phoneNumber: string;
  senderId?: string;
  message: string;
  receivedAt: string;
  reports: Array<{ code: number; description: string }>;
}

const sentByPhone: Array<Bubble & { from: string; to: string }> = [];

const customer = () => digitsOf(byId<HTMLInputElement>('customer').value);
const support = () => byId<HTMLSelectElement>('support').value;

/** Telesign's codes: 200 reached the handset, 203 the gateway (still on its way); anything else is a failure. */
function statusOf(reports: SandboxMessage['reports']): Pick<Bubble, 'status' | 'code'> {
  const last = reports.at(-1);
  if (!last) return { status: 'sent' };
  const code = `${last.code} ${last.description}`;
  if (last.code === 200) return { status: 'delivered', code };
  if (last.code === 203) return { status: 'sent', code };
  return { status: 'failed', code };
}

const tickText = { sent: '✓ sent', delivered: '✓✓ delivered', failed: '✗ failed' };

function bubbleOf(b: Bubble): HTMLLIElement {
  const tick =
    b.status &&
    el('span', { class: `tick ${b.status}`, title: b.code ?? 'no delivery report yet' }, tickText[b.status]);
  return el(
    'li',
    { class: `bubble ${b.mine ? 'mine' : 'theirs'}`, 'aria-label': `${b.mine ? 'You' : 'Support'}: ${b.text}` },
    b.text,
    el('span', { class: 'tick' }, time(b.at)),
    tick,
  );
}

export async function refreshPhone(): Promise<void> {
  const answer = await call('GET', '/console/telesign/messages');
  const ours: SandboxMessage[] = answer.ok ? answer.body : [];
  const number = customer();
  const bubbles: Bubble[] = [
    ...sentByPhone.filter((m) => m.from === number),
    ...ours
      .filter((m) => m.phoneNumber === number)
      .map((m) => ({ mine: false, text: m.message, at: m.receivedAt, ...statusOf(m.reports) })),
  ].sort((a, b) => a.at.localeCompare(b.at));
  byId('phone-thread').replaceChildren(...bubbles.map(bubbleOf));
  const thread = byId('phone-thread');
  thread.scrollTop = thread.scrollHeight;
}

let counted = 0;
/** The send path's estimate, asked of the console; an answer that a later keystroke overtook is dropped. */
async function showCounter() {
  const text = byId<HTMLTextAreaElement>('phone-text').value;
  const asked = ++counted;
  const answer = await call('POST', '/console/segments', { text });
  if (asked !== counted || !answer.ok) return;
  const e = answer.body as { encoding: 'GSM-7' | 'UCS-2'; segments: number; characters: number };
  byId('phone-counter').textContent =
    `${e.characters} ${e.encoding === 'GSM-7' ? 'septets' : 'UTF-16 units'} · ${e.encoding} · ${e.segments} segment${e.segments === 1 ? '' : 's'}`;
}

async function sendFromPhone(text: string) {
  const error = byId('phone-error');
  error.textContent = '';
  if (!text.trim()) return void (error.textContent = 'Write something first.');
  const from = customer();
  const to = support();
  const at = new Date().toISOString();
  const answer = await call('POST', '/console/telesign/inbound', { from, to, text });
  if (!answer.ok) return void (error.textContent = errorText(answer));
  sentByPhone.push({ mine: true, text, at, from, to });
  await refreshPhone();
}

export function startPhone(): void {
  const select = byId<HTMLSelectElement>('support');
  select.replaceChildren(...config.supportNumbers.map((n) => el('option', { value: n }, `+${n}`)));
  byId('customers').replaceChildren(
    ...['+15555550100', '+15555550101', '+15555550102'].map((n) => el('option', { value: n })),
  );
  const textarea = byId<HTMLTextAreaElement>('phone-text');
  textarea.addEventListener('input', () => void showCounter());
  void showCounter();
  byId('phone-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const text = textarea.value;
    void sendFromPhone(text).then(() => {
      if (!byId('phone-error').textContent) textarea.value = '';
      void showCounter();
    });
  });
  // STOP, START and HELP are plain SMS: the channel recognises them as a carrier-facing number must.
  for (const button of document.querySelectorAll<HTMLButtonElement>('[data-keyword]'))
    button.addEventListener('click', () => void sendFromPhone(button.dataset.keyword!));
  byId('customer').addEventListener('change', () => void refreshPhone());
}
