import { call, config, errorText } from './api.js';
import { byId, el } from './dom.js';

/**
 * The operator strip: /console/state (health, the broker's depths, dead letters, webhooks, the sandboxes' fault
 * switches) and the switches themselves, on the sandboxes' own control APIs.
 */
interface Depth {
  name: string;
  active: number;
  scheduled?: number;
  deadLetter: number;
}

type Part<T> = T | { error: string } | undefined;
const failed = (part: Part<unknown>): part is { error: string } =>
  typeof part === 'object' && part !== null && 'error' in part && typeof part.error === 'string';

function depthRows(broker?: { queues: Depth[]; topics: Array<{ name: string; subscriptions: Depth[] }> }) {
  if (!broker) return [el('tr', {}, el('td', { colspan: '4' }, 'not the embedded broker'))];
  const rows = [
    ...broker.queues.map((q) => ({ ...q })),
    ...broker.topics.flatMap((t) => t.subscriptions.map((s) => ({ ...s, name: `${t.name}/${s.name}` }))),
  ];
  return rows.map((r) =>
    el(
      'tr',
      {},
      el('td', {}, r.name),
      el('td', {}, String(r.active)),
      el('td', {}, r.scheduled === undefined ? '–' : String(r.scheduled)),
      el('td', {}, String(r.deadLetter)),
    ),
  );
}

function showFault(fault: Part<{ fault: null | { status?: number; hang?: boolean } }>) {
  const on = failed(fault) || !fault ? undefined : fault.fault;
  const name = !on ? 'off' : on.hang ? 'hang' : String(on.status);
  for (const button of document.querySelectorAll<HTMLButtonElement>('[data-fault]'))
    button.setAttribute('aria-pressed', String(button.dataset.fault === name));
}

export async function refreshOperator(): Promise<void> {
  const answer = await call('GET', '/console/state');
  if (!answer.ok) return void (byId('health').textContent = errorText(answer));
  const s = answer.body;
  byId('health').textContent = failed(s.health)
    ? s.health.error
    : `${s.health.status}: ${Object.entries(s.health.checks ?? {})
        .map(([part, state]) => `${part} ${state}`)
        .join(', ')}`;
  byId('depths')
    .querySelector('tbody')!
    .replaceChildren(...depthRows(s.broker));
  const dead = failed(s.deadLetters) ? [] : (s.deadLetters as Array<{ entity: string; eventType?: string }>);
  byId('dead-letters').textContent = failed(s.deadLetters)
    ? s.deadLetters.error
    : dead.length
      ? dead.map((d) => `${d.entity}: ${d.eventType ?? 'message'}`).join('; ')
      : 'none';
  byId<HTMLButtonElement>('replay').disabled = dead.length === 0;
  const endpoints = failed(s.webhooks) ? undefined : (s.webhooks as Array<Record<string, unknown>> | undefined);
  const failures = failed(s.webhookFailures) ? [] : ((s.webhookFailures ?? []) as Array<Record<string, unknown>>);
  byId('webhooks').textContent = !endpoints
    ? 'no endpoints (WEBHOOK_ENDPOINTS)'
    : `${endpoints.map((e) => `${e.name}: ${e.state ?? e.status ?? 'ok'}`).join('; ')} · ${failures.length} failed lately`;
  showFault(s.telesignFault);
}

const faults: Record<string, unknown> = {
  off: null,
  '429': { status: 429, retryAfterSeconds: 1 },
  '500': { status: 500 },
  hang: { hang: true },
};

export function startOperator(): void {
  for (const button of document.querySelectorAll<HTMLButtonElement>('[data-fault]')) {
    button.addEventListener('click', async () => {
      const answer = await call('PUT', '/console/telesign/fault-switch', { fault: faults[button.dataset.fault!] });
      if (answer.ok) showFault(answer.body);
    });
  }
  if (config.dynamicsSandbox) {
    byId('dynamics-faults').hidden = false;
    byId('dynamics-fault-on').addEventListener(
      'click',
      () => void call('POST', '/console/dynamics/faults/rate', { rate: 0.5, statuses: [503] }).then(refreshOperator),
    );
    byId('dynamics-fault-clear').addEventListener(
      'click',
      () => void call('POST', '/console/dynamics/faults/clear', {}).then(refreshOperator),
    );
  }
  byId('replay').addEventListener(
    'click',
    () => void call('POST', '/console/dead-letters/replay').then(refreshOperator),
  );
}
