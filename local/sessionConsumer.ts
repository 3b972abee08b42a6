import { setMaxListeners } from 'node:events';

import {
  isServiceBusError,
  type ServiceBusClient,
  type ServiceBusReceivedMessage,
  type ServiceBusSessionReceiver,
} from '@azure/service-bus';

import { isDeadLetterError } from '../shared/errors';
import type { Logger } from '../shared/log';
import { KeptSessions } from './keptSessions';
import { wakeablePauses } from './wakeablePauses';

/** How long stop() waits for the handlers in progress. */
const STOP_WAIT_MS = 5_000;

/**
 * Drives a session-enabled queue or topic subscription the way the Functions host does for `routeInbound`: take the next session
 * that has messages, handle its messages one at a time in order, complete on success, abandon on failure
 * (Service Bus dead-letters after the delivery limit), and work several sessions at once. A DeadLetterError is
 * dead-lettered at once with its reason; the Functions host has no such path and retries it to the limit instead.
 * It speaks only @azure/service-bus, so it runs unchanged against the embedded broker, Microsoft's emulator
 * or a real namespace.
 */
export type SessionConsumerOptions = ({ queueName: string } | { topicName: string; subscriptionName: string }) & {
  client: ServiceBusClient;
  handler: (body: unknown, message: ServiceBusReceivedMessage) => Promise<void>;
  logger: Logger;
  /** Sessions handled at the same time (the host's maxConcurrentSessions). */
  maxConcurrentSessions?: number;
  /**
   * How long a drained session is kept for its next message (the host's sessionIdleTimeout). A session with
   * messages that needs the worker ends the wait early (keptSessions.ts), so a long one delays nobody.
   */
  sessionIdleMs?: number;
  /** Pause after a failed accept (broker down, entity missing), or after a wait for a session that ended early. */
  pollMs?: number;
};

export interface SessionConsumer {
  stop(): Promise<void>;
}

const quietErrors = new Set(['ServiceTimeout', 'SessionCannotBeLocked', 'MessagingEntityNotFound']);
/** How long a receive waits before the session counts as drained, so that a session is kept only once it is. */
const DRAINED_MS = 5;
/**
 * How long a session is held before it is let go after its current message: the SDK renews its lock for 5 minutes
 * from the accept, and a handler may run for host.json's functionTimeout (4 minutes) after this.
 */
const MAX_HOLD_MS = 60_000;
/** The SDK's timeout for a failed accept-next-session: no session had messages while it waited. */
const NOTHING_WAITING = 'ServiceTimeout';

export function startSessionConsumer(options: SessionConsumerOptions): SessionConsumer {
  const { client, handler, logger } = options;
  const acceptNext = (accept: { maxAutoLockRenewalDurationInMs: number; abortSignal: AbortSignal }) =>
    'queueName' in options
      ? client.acceptNextSession(options.queueName, accept)
      : client.acceptNextSession(options.topicName, options.subscriptionName, accept);
  const idleMs = options.sessionIdleMs ?? 1_000;
  const pollMs = options.pollMs ?? 200;
  let running = true;
  const abort = new AbortController();
  // Every waiting acceptNextSession listens on this one signal: more than Node's default ten is expected.
  setMaxListeners(0, abort.signal);
  const open = new Set<ServiceBusSessionReceiver>();
  const pauses = wakeablePauses();
  const sessions = new KeptSessions<ServiceBusSessionReceiver>();
  /** Workers without a session: accepting one, or pausing after a failed accept. */
  let free = 0;

  /** The next session with messages, or undefined after a failed or empty wait. */
  async function accept(): Promise<ServiceBusSessionReceiver | undefined> {
    const asked = Date.now();
    try {
      const receiver = await acceptNext({ maxAutoLockRenewalDurationInMs: 5 * 60_000, abortSignal: abort.signal });
      open.add(receiver);
      return receiver;
    } catch (error) {
      if (!(isServiceBusError(error) && quietErrors.has(error.code)) && running) {
        logger.warn('could not accept a session; trying again', {
          error: error instanceof Error ? error.message : String(error),
        });
      }
      // A timeout after a full wait means all was idle: ask again at once, the next wait is the idle wait. Any
      // other failure, or a timeout that came early, pauses so that a broker answering at once is not spun on.
      const waited = Date.now() - asked;
      const idle = isServiceBusError(error) && error.code === NOTHING_WAITING && waited >= pollMs;
      if (running && !idle) await pauses.pause(pollMs);
      return undefined;
    }
  }

  /** Its next message; undefined once it stayed empty, or when a session with messages needs this worker. */
  async function nextMessage(receiver: ServiceBusSessionReceiver, keep: boolean) {
    const [waiting] = await receiver.receiveMessages(1, { maxWaitTimeInMs: DRAINED_MS });
    // A session the probe took is waiting for a worker: this one is let go rather than kept.
    if (waiting || !keep || !running || sessions.pending > 0) return waiting;
    const kept = sessions.keep();
    try {
      const [next] = await receiver.receiveMessages(1, { maxWaitTimeInMs: idleMs, abortSignal: kept.signal });
      return next;
    } catch (error) {
      // Let go for another session: a message that came meanwhile goes back with the session's lock, first in line.
      if (kept.signal.aborted) return undefined;
      throw error;
    } finally {
      kept.release();
    }
  }

  async function handleSession(receiver: ServiceBusSessionReceiver) {
    const held = Date.now();
    while (running) {
      const keep = Date.now() - held < MAX_HOLD_MS;
      const message = await nextMessage(receiver, keep);
      if (!message) return;
      try {
        await handler(message.body, message);
        await receiver.completeMessage(message);
      } catch (error) {
        if (isDeadLetterError(error)) {
          // No redelivery can fix it: dead-lettered now, with the reason an operator reads (shared/errors.ts).
          logger.warn('event dead-lettered', {
            messageId: message.messageId,
            reason: error.reason,
            description: error.description.slice(0, 1000),
          });
          await receiver
            .deadLetterMessage(message, {
              deadLetterReason: error.reason,
              deadLetterErrorDescription: error.description.slice(0, 1000),
            })
            .catch(() => undefined);
        } else {
          logger.warn('event handling failed; abandoned for redelivery', {
            messageId: message.messageId,
            deliveryCount: message.deliveryCount,
            error: error instanceof Error ? error.message : String(error),
          });
          await receiver.abandonMessage(message).catch(() => undefined);
        }
      }
      // Another session waits for a worker: this one goes to the back of the line rather than hold on to it.
      if (!keep || sessions.pending > 0) return;
    }
  }

  async function worker() {
    while (running) {
      free += 1;
      sessions.notify();
      const receiver = sessions.takeHandedOver() ?? (await accept());
      free -= 1;
      sessions.notify();
      if (!receiver) continue;
      try {
        await handleSession(receiver);
      } catch (error) {
        if (running)
          logger.warn('session receiver failed', { error: error instanceof Error ? error.message : String(error) });
      } finally {
        open.delete(receiver);
        await receiver.close().catch(() => undefined);
      }
    }
  }

  /**
   * One more accept while every worker holds a session: a session it gets has messages and waits for a worker,
   * the longest-kept one's at once, or the first to finish its current message. A free worker accepts on its own
   * and needs no probe.
   */
  async function probe() {
    while (running) {
      if (free > 0 || sessions.pending > 0) {
        await sessions.changed();
        continue;
      }
      const receiver = await accept();
      if (!receiver) continue;
      if (running) sessions.handOver(receiver);
      else {
        // Taken while stop was closing what is open: no worker will pick it up.
        open.delete(receiver);
        await receiver.close().catch(() => undefined);
      }
    }
  }

  const workers = [...Array.from({ length: options.maxConcurrentSessions ?? 4 }, () => worker()), probe()];

  return {
    async stop() {
      running = false;
      abort.abort();
      pauses.wakeAll();
      sessions.stop();
      await Promise.all([...open].map((r) => r.close().catch(() => undefined)));
      // A handler still retrying (a dependency down) is not waited for past the bound: what it holds is not
      // completed, so Service Bus gives it again to the next run.
      let timer: NodeJS.Timeout | undefined;
      const bounded = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), STOP_WAIT_MS)));
      const ended = await Promise.race([Promise.all(workers), bounded]);
      clearTimeout(timer);
      if (ended === 'late') logger.warn('a handler did not finish in time; its message is left for redelivery');
    },
  };
}
