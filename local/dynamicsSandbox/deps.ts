/** What the consumer routes and the agent actions share, passed in by sandbox.ts. */
import type { Lifecycle } from '../sandboxRuntime/lifecycle';
import type { ConversationStore } from './conversationStore';
import type { SandboxConfig } from './defaults';
import type { ConsumerFaults } from './faults';
import type { MessageClock } from './ids';
import type { Logger } from './log';
import type { Problem } from './problem';
import type { SigningKey } from './signingKey';

export interface ConversationDeps {
  config: SandboxConfig;
  key: SigningKey;
  store: ConversationStore;
  clock: MessageClock;
  faults: ConsumerFaults;
  lifecycle: Lifecycle;
  logger: Logger;
  /** GET /conversations continuation tokens → where the next page starts. */
  listCursors: Map<string, ListCursor>;
  /** Called when the customer side moves a conversation on (end of conversation may need the wrap-up timer). */
  onCustomerEnded(conversationId: string): void;
}

export interface ListCursor {
  channelId: string;
  afterMs: number;
  startAfterMs?: number;
}

export type HandlerResult = { ok: true; body: unknown } | { ok: false; problem: Problem };
