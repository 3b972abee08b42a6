import type { Env } from '../shared/config';
import type { DeadLetterSource } from './deadLetters';

/**
 * The entities of this channel whose triggers dead-letter (docs/deploy.md §Alerts): the inbound queue, the
 * channel events subscriptions the Dynamics relay and the webhook fan-out read, the agent activities queue, the
 * webhook deliveries queue (a delivery its endpoint never took is kept as failed instead: docs/webhooks.md), and the
 * channel events subscription the conversations index reads.
 */
export function channelDeadLetterSources(env: Env): DeadLetterSource[] {
  return [
    { queue: env.INBOUND_QUEUE_NAME || 'sms-inbound' },
    { topic: env.CHANNEL_EVENTS_TOPIC || 'channel-events', subscription: 'dynamics' },
    { queue: env.DYNAMICS_ACTIVITIES_QUEUE || 'dynamics-activities' },
    { topic: env.CHANNEL_EVENTS_TOPIC || 'channel-events', subscription: 'webhooks' },
    { queue: env.WEBHOOK_DELIVERIES_QUEUE || 'webhook-deliveries' },
    { topic: env.CHANNEL_EVENTS_TOPIC || 'channel-events', subscription: 'conversation-index' },
  ];
}

/** `--queue`: a queue's name, or a subscription as Service Bus names it, `topic/Subscriptions/subscription`. */
export function sourceNamed(entity: string): DeadLetterSource {
  const parts = entity.split('/');
  if (parts.length === 1 && parts[0]) return { queue: parts[0] };
  if (parts.length === 3 && parts[0] && parts[1].toLowerCase() === 'subscriptions' && parts[2])
    return { topic: parts[0], subscription: parts[2] };
  throw new Error(`--queue ${entity}: give a queue name, or topic/Subscriptions/subscription.`);
}
