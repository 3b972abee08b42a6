/**
 * The conversations the sandbox holds, and the state machine of docs/dynamics-protocol.md §6: Open (queued) → Active
 * (assigned) → Wrap-up (End) → Closed, with Waiting (the X) off Active. "Active" in the API's sense (what
 * create dedupes against and the list shows) is Open, Active or Waiting.
 */
import { SandboxActionError } from './actionError';
import type { ConversationState, ConversationView, TranscriptMessage } from './types';

export interface StoredMessage extends TranscriptMessage {
  epochMs: number;
}

/** The view's fields as they are, but for those the store keeps raw for viewOf to convert. */
export interface Conversation extends Omit<
  ConversationView,
  'conversationId' | 'createdAt' | 'conversationContext' | 'messages'
> {
  id: string;
  createdAtMs: number;
  /** Context variables by name, as GET context serves them: the `value` of each entry. */
  context: Map<string, unknown>;
  contextAvailableAtMs: number;
  messages: StoredMessage[];
  /** Cancels the pending Wrap-up → Closed timer, if any. */
  cancelClose?: () => void;
}

const API_ACTIVE: ReadonlySet<ConversationState> = new Set(['Open', 'Active', 'Waiting']);

export function isApiActive(state: ConversationState): boolean {
  return API_ACTIVE.has(state);
}

export function setState(conversation: Conversation, state: ConversationState, cause: string, now = Date.now()): void {
  conversation.state = state;
  conversation.history.push({ at: new Date(now).toISOString(), state, cause });
}

export class ConversationStore {
  private readonly byId = new Map<string, Conversation>();

  add(conversation: Conversation): void {
    this.byId.set(conversation.id.toLowerCase(), conversation);
  }

  get(id: string): Conversation | undefined {
    return this.byId.get(id.toLowerCase());
  }

  /** In creation order. */
  all(): Conversation[] {
    return [...this.byId.values()];
  }

  findApiActive(channelId: string, match: (c: Conversation) => boolean): Conversation | undefined {
    return this.all().find((c) => c.channelId === channelId && isApiActive(c.state) && match(c));
  }

  /**
   * For the CLI: a full id, a unique id prefix (4+ characters), or a phone number, which picks the newest
   * conversation not closed whose customer has that number (digits compared, so `+1 555…` finds `1555…`).
   */
  resolve(ref: string): Conversation {
    const exact = this.get(ref);
    if (exact) return exact;
    const text = ref.trim().toLowerCase();
    if (/^[0-9a-f-]{4,}$/.test(text)) {
      const byPrefix = this.all().filter((c) => c.id.startsWith(text));
      if (byPrefix.length === 1) return byPrefix[0];
      if (byPrefix.length > 1)
        throw new SandboxActionError(409, 'ambiguous_conversation', `${ref} matches several ids.`);
    }
    const digits = text.replace(/\D/g, '');
    if (digits.length >= 4) {
      const byPhone = this.all()
        .filter((c) => c.state !== 'Closed' && (c.customerContext.phonenumber ?? '').replace(/\D/g, '') === digits)
        .sort((a, b) => b.createdAtMs - a.createdAtMs);
      if (byPhone.length > 0) return byPhone[0];
    }
    throw new SandboxActionError(404, 'conversation_not_found', `No conversation matches ${ref}.`);
  }

  clear(): void {
    for (const c of this.byId.values()) c.cancelClose?.();
    this.byId.clear();
  }
}

/** Copies, so callers cannot change what the sandbox remembers. */
export function viewOf(c: Conversation): ConversationView {
  return {
    conversationId: c.id,
    channelId: c.channelId,
    state: c.state,
    createdAt: new Date(c.createdAtMs).toISOString(),
    customerContext: { ...c.customerContext },
    conversationContext: Object.fromEntries(structuredClone([...c.context.entries()])),
    ...(c.conversationRequestId !== undefined && { conversationRequestId: c.conversationRequestId }),
    ...(c.skipDeflectionBot !== undefined && { skipDeflectionBot: c.skipDeflectionBot }),
    ...(c.agent && { agent: { ...c.agent } }),
    customerActivities: structuredClone(c.customerActivities),
    messages: c.messages.map(({ epochMs: _epochMs, ...m }) => structuredClone(m)),
    history: c.history.map((h) => ({ ...h })),
    ...(c.readUpTo !== undefined && { readUpTo: c.readUpTo }),
  };
}
