/**
 * Conversation lifecycle (docs/architecture.md §Contracts). A closed conversation is history: it is never
 * reopened, and an inbound message after it starts a new conversation that links back to it.
 */
export const conversationStates = ['open', 'active', 'waiting', 'closed'] as const;
export type ConversationState = (typeof conversationStates)[number];

/** A new conversation starts here: it waits for an agent. */
export const initialConversationState: ConversationState = 'open';

export type ConversationAction =
  /** `agentName` comes with an agent from Dynamics (docs/dynamics-protocol.md §5); the API gives ids only. */
  | { kind: 'assign'; agentId: string; agentName?: string }
  /**
   * An agent took it in Dynamics without saying who (the documented AgentAccepted names no one,
   * docs/dynamics-protocol.md §5): active, the agent unknown until their first reply assigns it.
   */
  | { kind: 'accept' }
  | { kind: 'wait' }
  | { kind: 'close'; reason?: string }
  | { kind: 'inbound' }
  /** An outside event recorded on the conversation's timeline (a Dynamics transfer): the state stays as it is. */
  | { kind: 'note'; event: string; agentId?: string; agentName?: string };

export type TransitionResult =
  { ok: true; state: ConversationState; agentId?: string } | { ok: false; code: 'invalid_transition'; message: string };

export function transition(
  current: { state: ConversationState; agentId?: string },
  action: ConversationAction,
): TransitionResult {
  const { state, agentId } = current;
  if (state === 'closed') {
    return invalid(state, action, 'a closed conversation is never reopened');
  }
  switch (action.kind) {
    case 'assign':
      // Re-assigning an active conversation hands it to another agent; it is not an error.
      if (action.agentId.trim() === '') return invalid(state, action, 'an agent id is required');
      return { ok: true, state: 'active', agentId: action.agentId };
    case 'accept':
      if (state === 'active') return invalid(state, action, 'an agent has it already');
      return withAgent('active', agentId);
    case 'wait':
      if (state === 'waiting') return invalid(state, action, 'it is already waiting');
      return withAgent('waiting', agentId);
    case 'close':
      // The agent is kept: a closed conversation records who handled it.
      return withAgent('closed', agentId);
    case 'note':
      if (action.event.trim() === '') return invalid(state, action, 'a note needs an event');
      return withAgent(state, agentId);
    case 'inbound':
      // The customer wrote again: a set-aside conversation needs attention, from its agent if it has one.
      if (state === 'waiting') return withAgent(agentId ? 'active' : 'open', agentId);
      return withAgent(state, agentId);
  }
}

/** True when an inbound message cannot join the thread's current conversation and must start a new one. */
export function startsNewConversation(state: ConversationState | undefined | null): boolean {
  return state === undefined || state === null || state === 'closed';
}

export function isConversationState(value: unknown): value is ConversationState {
  return typeof value === 'string' && (conversationStates as readonly string[]).includes(value);
}

function withAgent(state: ConversationState, agentId: string | undefined): TransitionResult {
  return agentId === undefined ? { ok: true, state } : { ok: true, state, agentId };
}

function invalid(state: ConversationState, action: ConversationAction, why: string): TransitionResult {
  return {
    ok: false,
    code: 'invalid_transition',
    message: `cannot ${action.kind} a conversation that is ${state}: ${why}`,
  };
}
