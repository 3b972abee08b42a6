import { type Sender, types } from 'rhea';

import { amqpError, Condition } from './conditions';
import type { ConnectionState } from './connectionState';
import { DeliveryLink } from './deliveryLink';
import {
  closeHeldLink,
  echoSettleModes,
  holdAttach,
  openHeldLink,
  refuseLink,
  setAttachProperties,
} from './linkControl';
import type { Subqueue } from './subqueue';
import { toDotNetTicks } from './ticks';

export const SESSION_FILTER = 'com.microsoft:session-filter';
const CLIENT_TIMEOUT = 'com.microsoft:timeout';
const LOCKED_UNTIL = 'com.microsoft:locked-until-utc';

export function hasSessionFilter(sender: Sender): boolean {
  const filter = sender.source?.filter as Record<string, unknown> | undefined;
  return !!filter && typeof filter === 'object' && SESSION_FILTER in filter;
}

/**
 * A session receiver's attach. A named session is locked at once (or refused when another receiver has it);
 * "next available" waits for an unlocked session with messages, up to the shorter of the broker's wait and
 * the client's `com.microsoft:timeout`, then fails with com.microsoft:timeout like Service Bus.
 */
export function attachSessionReceiver(
  sender: Sender,
  subqueue: Subqueue,
  connection: ConnectionState,
  maxWaitMs: number,
): void {
  const link = new DeliveryLink(sender, subqueue);
  connection.onGone(sender, () => link.close());
  const requested = (sender.source.filter as Record<string, unknown>)[SESSION_FILTER];

  if (typeof requested === 'string') {
    const until = subqueue.lockSession(requested, link);
    if (until === undefined) {
      refuseLink(
        sender,
        amqpError(Condition.sessionCannotBeLocked, `the session '${requested}' is locked by another receiver`),
      );
      return;
    }
    grant(sender, link, requested, until);
    return;
  }

  const available = subqueue.nextAvailableSession();
  if (available !== undefined) {
    grant(sender, link, available, subqueue.lockSession(available, link) as number);
    return;
  }

  holdAttach(sender);
  let answered = false;
  const stopWaiting = (): void => {
    clearTimeout(timer);
    cancel();
  };
  const cancel = subqueue.waitForSession((sessionId) => {
    if (answered) return false;
    const until = subqueue.lockSession(sessionId, link);
    if (until === undefined) return false;
    answered = true;
    stopWaiting();
    grant(sender, link, sessionId, until, true);
    return true;
  });
  const timer = setTimeout(
    () => {
      answered = true;
      stopWaiting();
      closeHeldLink(sender, amqpError(Condition.timeout, 'no unlocked session with messages became available in time'));
    },
    waitTime(sender, maxWaitMs),
  );
  sender.once('sender_close', () => {
    if (answered) return;
    answered = true;
    closeHeldLink(sender);
  });
  connection.onGone(sender, () => {
    stopWaiting();
    link.close();
  });
}

function grant(sender: Sender, link: DeliveryLink, sessionId: string, lockedUntil: number, held = false): void {
  sender.set_source({ address: sender.source.address, filter: { [SESSION_FILTER]: sessionId } });
  if (sender.target) sender.set_target(sender.target);
  echoSettleModes(sender);
  setAttachProperties(sender, { [LOCKED_UNTIL]: types.wrap_long(toDotNetTicks(lockedUntil)) });
  if (held) openHeldLink(sender);
  link.startLocked();
}

function waitTime(sender: Sender, maxWaitMs: number): number {
  const requested = Number((sender.properties as Record<string, unknown> | undefined)?.[CLIENT_TIMEOUT]);
  return Number.isFinite(requested) && requested > 0 ? Math.min(requested, maxWaitMs) : maxWaitMs;
}
