/** Which consumer route a request is (docs/dynamics-protocol.md §3), before anything else is looked at. */
import type { Operation } from './types';

export const CONSUMER_PREFIX = '/api/v1.0/consumer/';

export interface ConsumerRoute {
  operation: Operation;
  method: 'GET' | 'POST';
  /** The raw `{conversationId}` segment, for the routes that have one. */
  conversationId?: string;
}

const CONVERSATION = /^\/api\/v1\.0\/consumer\/conversation\/([^/]+)$/;
const MESSAGES = /^\/api\/v1\.0\/consumer\/conversation\/([^/]+)\/messages$/;
const CONTEXT = /^\/api\/v1\.0\/consumer\/conversation\/([^/]+)\/context$/;

export function matchConsumerRoute(path: string, pluralCreateAlias: boolean): ConsumerRoute | undefined {
  if (path === '/api/v1.0/consumer/conversation/create') return { operation: 'create', method: 'POST' };
  // Until 2026-01 the create page said `/conversations/create` (§3): served too unless switched off.
  if (pluralCreateAlias && path === '/api/v1.0/consumer/conversations/create') {
    return { operation: 'create', method: 'POST' };
  }
  if (path === '/api/v1.0/consumer/conversations') return { operation: 'list', method: 'GET' };
  let m = MESSAGES.exec(path);
  if (m) return { operation: 'messages', method: 'GET', conversationId: m[1] };
  m = CONTEXT.exec(path);
  if (m) return { operation: 'context', method: 'GET', conversationId: m[1] };
  m = CONVERSATION.exec(path);
  if (m) return { operation: 'activity', method: 'POST', conversationId: m[1] };
  return undefined;
}
