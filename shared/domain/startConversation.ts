import { initialConversationState } from './conversationState';
import { classify, type RoutingRules } from './routingRules';
import type { ConversationRecord } from './thread';

export interface StartContext {
  rules: RoutingRules;
  supportNumber: string;
  /** The first message's text when the customer wrote first; empty when we do. */
  text: string;
  /** The support number's default language, which routing rules may match on. */
  language?: string;
  now: string;
}

/**
 * A thread's next conversation, whoever speaks first: it follows the latest one (closed, or none), waits for an
 * agent, and is classified to a queue by the routing rules.
 */
export function startConversation(previous: ConversationRecord | undefined, ctx: StartContext): ConversationRecord {
  const route = classify(ctx.rules, { supportNumber: ctx.supportNumber, text: ctx.text, language: ctx.language });
  return {
    n: (previous?.n ?? 0) + 1,
    state: initialConversationState,
    queue: route.queue,
    priority: route.priority,
    rule: route.rule,
    createdAt: ctx.now,
    updatedAt: ctx.now,
    previous: previous?.n,
    inboundCount: 0,
    outboundCount: 0,
  };
}
