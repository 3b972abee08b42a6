import type { Connection, link as Link, Sender } from 'rhea';

import type { AmqpErrorInfo } from './conditions';

/**
 * The few rhea internals the broker needs. rhea answers a peer's attach by itself; Service Bus
 * semantics need the answer shaped (session filter, lock expiry) or delayed (accept-next-session).
 */
interface LinkInternals {
  local: {
    attach: {
      properties?: Record<string, unknown>;
      snd_settle_mode?: number;
      rcv_settle_mode?: number;
      max_message_size?: number;
    };
  };
  state: { local_open: boolean; open_requests: number };
}

interface SenderInternals {
  credit: number;
  delivery_count: number;
  _draining: boolean;
  _drained: boolean;
  _get_drain: () => boolean;
}

function internals(link: Link): LinkInternals {
  return link as unknown as LinkInternals;
}

/** Refuses a peer's attach: the reply attach carries no source/target, then a detach with the error. */
export function refuseLink(link: Link, error: AmqpErrorInfo): void {
  link.close(error);
}

export function setAttachProperties(link: Link, properties: Record<string, unknown>): void {
  internals(link).local.attach.properties = properties;
}

/** Service Bus honours the settle modes the client asks for (peekLock = unsettled / second). */
export function echoSettleModes(link: Link): void {
  const attach = internals(link).local.attach;
  attach.snd_settle_mode = link.snd_settle_mode;
  attach.rcv_settle_mode = link.rcv_settle_mode;
}

/** The SDK sizes its batches by the max_message_size of the broker's attach; 256 KB is the Standard tier limit. */
export function setMaxMessageSize(link: Link, bytes: number): void {
  internals(link).local.attach.max_message_size = bytes;
}

/** Withdraws rhea's automatic reply attach so the broker can answer later with `openHeldLink`. */
export function holdAttach(link: Link): void {
  const state = internals(link).state;
  if (state.local_open && state.open_requests > 0) {
    state.local_open = false;
    state.open_requests -= 1;
  }
}

export function openHeldLink(link: Link): void {
  link.open();
}

/**
 * Answers a held attach with attach + detach: with an error when the broker gives up waiting, without one
 * when the peer detached first (inside its sender_close handler, so rhea's own removal still runs).
 */
export function closeHeldLink(link: Link, error?: AmqpErrorInfo): void {
  link.open();
  link.close(error);
}

/**
 * Answers a drain: gives up the remaining credit and echoes drain=true. rhea only does this while credit
 * remains, and a client that drains with credit already spent would otherwise wait forever.
 */
export function completeDrain(sender: Sender): void {
  const s = sender as unknown as SenderInternals;
  if (!s._draining) return;
  s._get_drain = () => {
    if (!s._draining) return false;
    s.delivery_count += s.credit;
    s.credit = 0;
    s._draining = false;
    return true;
  };
  sender.set_drained(true);
}

export function isDraining(sender: Sender): boolean {
  return (sender as unknown as SenderInternals)._draining;
}

/** Settled by both ends, so rhea can drop it from its bounded outgoing window. */
export function forgetDelivery(delivery: { remote_settled: boolean }): void {
  (delivery as { remote_settled: boolean }).remote_settled = true;
}

export function creditOf(sender: Sender): number {
  return (sender as unknown as SenderInternals).credit;
}

/** rhea takes credit only when it writes a transfer, so sends not yet written still count against credit. */
export function isTransferred(sender: Sender, delivery: { id: number }): boolean {
  const outgoing = (sender.session as unknown as { outgoing: { next_pending_delivery: number } }).outgoing;
  return delivery.id < outgoing.next_pending_delivery;
}

/**
 * rhea learns that a connection is gone from its socket's `end` or `error`; a socket the broker destroys
 * itself (stop()) emits neither, so the connection would keep re-arming its heartbeat timer forever and hold
 * the process open. This tells it, as the socket's end would have.
 */
export function forgetConnection(connection: Connection): void {
  const conn = connection as unknown as { _disconnected?: () => void };
  conn._disconnected?.();
}
