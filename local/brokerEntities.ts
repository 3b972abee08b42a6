import type { Env } from '../shared/config';
import type { BrokerQueueOptions, BrokerTopicOptions } from './broker/options';
import type { ServiceBusFunction } from './loadFunctions';

/** A binding's `%NAME%` parts stand for settings, as in the Functions host. */
export const fromSettings = (value: string, env: Env) =>
  value.replace(/%([^%]+)%/g, (_m, name: string) => env[name] ?? name);

/** The settings a binding's `%NAME%` parts refer to that have no value. */
export function unsetSettings(fn: ServiceBusFunction, env: Env): string[] {
  const bindings = 'queueName' in fn ? [fn.queueName] : [fn.topicName, fn.subscriptionName];
  const names = bindings.flatMap((binding) => [...binding.matchAll(/%([^%]+)%/g)].map((m) => m[1]));
  return names.filter((name) => !env[name]?.trim());
}

/**
 * What the embedded broker declares, as Bicep does for Azure (docs/deploy.md): each queue and topic subscription a
 * trigger reads, by session, and the channel events topic the app publishes to even with no subscription read.
 * An unread subscription would only fill up. A duplicate-detection window, when given, applies to every queue and
 * topic (a subscription has none of its own); otherwise each keeps the broker's default.
 */
export function brokerEntities(
  functions: readonly ServiceBusFunction[],
  env: Env,
  maxDeliveryCount: number,
  duplicateDetectionWindowMs?: number,
): { queues: BrokerQueueOptions[]; topics: BrokerTopicOptions[] } {
  const queues = new Map<string, BrokerQueueOptions>();
  const topics = new Map<string, BrokerTopicOptions>();
  const window = duplicateDetectionWindowMs === undefined ? {} : { duplicateDetectionWindowMs };
  const topicNamed = (name: string) => {
    const topic = topics.get(name) ?? { name, subscriptions: [], ...window };
    topics.set(name, topic);
    return topic;
  };
  const published = env.CHANNEL_EVENTS_TOPIC?.trim();
  if (published) topicNamed(published);
  for (const fn of functions) {
    if (unsetSettings(fn, env).length) continue;
    if ('queueName' in fn) {
      const name = fromSettings(fn.queueName, env);
      queues.set(name, { name, requiresSession: true, maxDeliveryCount, ...window });
    } else {
      const topic = topicNamed(fromSettings(fn.topicName, env));
      const name = fromSettings(fn.subscriptionName, env);
      if (!topic.subscriptions.some((s) => s.name === name))
        topic.subscriptions.push({ name, requiresSession: true, maxDeliveryCount });
    }
  }
  return { queues: [...queues.values()], topics: [...topics.values()] };
}
