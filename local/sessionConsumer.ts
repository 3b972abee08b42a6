import { setMaxListeners } from 'node:events';

import {
  isServiceBusError,
  type ServiceBusClient,
  type ServiceBusReceivedMessage,
  type ServiceBusSessionReceiver,
} from '@azure/service-bus';

import { isDeadLetterError } from '../shared/errors';
import type { Logger } from '../shared/log';
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
   * How long an empty session is kept for its next message while other workers of this consumer wait for a
   * session (the host's sessionIdleTimeout, kept short). A waiting worker means no other session has messages
   * (the broker hands such a session to a waiting accept at once), so keeping this one costs nobody anything and
   * saves the next accept. When every worker is busy, an empty session is released after DRAINED_MS instead:
   * sessions with messages may be waiting for a worker.
   */
  sessionIdleMs?: number;
  /** Pause after a failed accept (broker down, entity missing), or after a wait for a session that ended early. */
  pollMs?: number;
};

export interface SessionConsumer {
  stop(): Promise<void>;
}

const quietErrors = new Set(['ServiceTimeout', 'SessionCannotBeLocked', 'MessagingEntityNotFound']);
/** How long a receive waits before the session counts as drained when no worker is free. */
const DRAINED_MS = 5;
/** The SDK's timeout for a failed accept-next-session: no session had messages while it waited. */
const NOTHING_WAITING = 'ServiceTimeout';

export function startSessionConsumer(options: SessionConsumerOptions): SessionConsumer {
  const { client, handler, logger } = options;
  const acceptNext = (accept: { maxAutoLockRenewalDurationInMs: number; abortSignal: AbortSignal }) =>
    'queueName' in options
      ? client.acceptNextSession(options.queueName, accept)
      : client.acceptNextSession(options.topicName, options.subscriptionName, accept);
  const idleMs = options.sessionIdleMs ?? 50;
  const pollMs = options.pollMs ?? 200;
  let running = true;
  const abort = new AbortController();
  // Every waiting acceptNextSession listens on this one signal: more than Node's default ten is expected.
  setMaxListeners(0, abort.signal);
  const open = new Set<ServiceBusSessionReceiver>();
  const pauses = wakeablePauses();
  /** Workers waiting in accept-next-session: while two or more are, no session with messages is left waiting. */
  let accepting = 0;

  async function handleSession(receiver: ServiceBusSessionReceiver) {
    while (running) {
      // More than one waiting: one can still take a session that comes while this one is kept.
      const wait = accepting > 1 ? idleMs : DRAINED_MS;
      const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: wait });
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
          continue;
        }
        logger.warn('event handling failed; abandoned for redelivery', {
          messageId: message.messageId,
          deliveryCount: message.deliveryCount,
          error: error instanceof Error ? error.message : String(error),
        });
        await receiver.abandonMessage(message).catch(() => undefined);
      }
    }
  }

  async function worker() {
    while (running) {
      let receiver: ServiceBusSessionReceiver;
      const asked = Date.now();
      accepting += 1;
      try {
        receiver = await acceptNext({
          maxAutoLockRenewalDurationInMs: 5 * 60_000,
          abortSignal: abort.signal,
        });
      } catch (error) {
        accepting -= 1;
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
        continue;
      }
      accepting -= 1;
      open.add(receiver);
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

  const workers = Array.from({ length: options.maxConcurrentSessions ?? 4 }, () => worker());

  return {
    async stop() {
      running = false;
      abort.abort();
      pauses.wakeAll();
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
