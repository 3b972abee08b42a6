import { refreshAgent, startAgent } from './agent.js';
import { config } from './api.js';
import { byId, debounced, el, time } from './dom.js';
import { refreshOperator, startOperator } from './operator.js';
import { refreshPhone, startPhone } from './phone.js';

/**
 * The local console's page (issue 16). One EventSource on /console/events is all that is live: each channel event
 * makes the panes refetch what they show through the API, so the page never polls and never holds a copy of the
 * channel's state that could drift.
 */
interface LiveEvent {
  type: string;
  at: string;
  conversationId: string;
  status?: string;
  state?: string;
}

startPhone();
startAgent();
startOperator();

const agent = debounced(refreshAgent, 50);
const phone = debounced(refreshPhone, 50);
const operator = debounced(refreshOperator, 300);

function showEvent(e: LiveEvent) {
  const list = byId('events');
  list.prepend(el('li', {}, `${time(e.at)} ${e.type}${e.status ? ` ${e.status}` : ''}${e.state ? ` ${e.state}` : ''}`));
  while (list.children.length > 30) list.lastElementChild!.remove();
}

const events = new EventSource(`/console/events?code=${encodeURIComponent(config.functionKey)}`);
events.addEventListener('ready', () => {
  const live = byId('live');
  live.textContent = 'Live';
  live.dataset.live = 'true';
  // Page load to the first live update, for the browser test and anyone curious.
  if (!document.body.dataset.firstLiveMs) document.body.dataset.firstLiveMs = String(Math.round(performance.now()));
  // What happened while the stream was down (or before the page opened) is read once, on every (re)connect.
  agent();
  phone();
  operator();
});
events.addEventListener('channel', (message) => {
  const e = JSON.parse((message as MessageEvent<string>).data) as LiveEvent;
  showEvent(e);
  agent();
  if (e.type.startsWith('message.') || e.type === 'consent.changed') phone();
  operator();
});
events.addEventListener('error', () => {
  const live = byId('live');
  live.textContent = 'Reconnecting…';
  live.dataset.live = 'false';
});
