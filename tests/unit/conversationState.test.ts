import {
  ConversationAction,
  ConversationState,
  conversationStates,
  initialConversationState,
  isConversationState,
  startsNewConversation,
  transition,
} from '../../shared/domain/conversationState';

const assign = (agentId: string): ConversationAction => ({ kind: 'assign', agentId });
const wait: ConversationAction = { kind: 'wait' };
const close: ConversationAction = { kind: 'close', reason: 'resolved' };
const inbound: ConversationAction = { kind: 'inbound' };
const accept: ConversationAction = { kind: 'accept' };

describe('transition', () => {
  it('starts a new conversation open', () => {
    expect(initialConversationState).toBe('open');
  });

  it.each<[ConversationState, string | undefined, ConversationAction, ConversationState, string | undefined]>([
    ['open', undefined, assign('a1'), 'active', 'a1'],
    ['active', 'a1', assign('a2'), 'active', 'a2'],
    ['waiting', 'a1', assign('a2'), 'active', 'a2'],
    ['waiting', undefined, assign('a1'), 'active', 'a1'],
    ['open', undefined, wait, 'waiting', undefined],
    ['active', 'a1', wait, 'waiting', 'a1'],
    ['open', undefined, close, 'closed', undefined],
    ['active', 'a1', close, 'closed', 'a1'],
    ['waiting', 'a1', { kind: 'close' }, 'closed', 'a1'],
    ['waiting', 'a1', inbound, 'active', 'a1'],
    ['waiting', undefined, inbound, 'open', undefined],
    ['open', undefined, inbound, 'open', undefined],
    ['active', 'a1', inbound, 'active', 'a1'],
    ['open', undefined, accept, 'active', undefined],
    ['waiting', 'a1', accept, 'active', 'a1'],
  ])('%s (agent %s) + %o → %s (agent %s)', (state, agentId, action, nextState, nextAgent) => {
    const result = transition({ state, agentId }, action);
    expect(result).toEqual({ ok: true, state: nextState, ...(nextAgent ? { agentId: nextAgent } : {}) });
    if (result.ok && nextAgent === undefined) expect('agentId' in result).toBe(false);
  });

  it.each<[ConversationState, ConversationAction]>([
    ['waiting', wait],
    ['closed', assign('a1')],
    ['closed', wait],
    ['closed', close],
    ['closed', inbound],
    ['active', accept],
    ['closed', accept],
  ])('refuses %s + %o and names the current state', (state, action) => {
    const result = transition({ state, agentId: 'a1' }, action);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.code).toBe('invalid_transition');
      expect(result.message).toContain(state);
      expect(result.message).toContain(action.kind);
    }
  });

  it('refuses an assign without an agent id', () => {
    const result = transition({ state: 'open' }, assign('  '));
    expect(result).toMatchObject({ ok: false, code: 'invalid_transition' });
  });

  it('never leaves closed, whatever the action', () => {
    for (const action of [assign('x'), wait, close, inbound, accept]) {
      expect(transition({ state: 'closed' }, action).ok).toBe(false);
    }
  });
});

describe('startsNewConversation', () => {
  it.each<[ConversationState | undefined | null, boolean]>([
    [undefined, true],
    [null, true],
    ['closed', true],
    ['open', false],
    ['active', false],
    ['waiting', false],
  ])('%s → %s', (state, expected) => {
    expect(startsNewConversation(state)).toBe(expected);
  });
});

describe('isConversationState', () => {
  it('accepts the four states and nothing else', () => {
    for (const s of conversationStates) expect(isConversationState(s)).toBe(true);
    for (const v of ['Open', 'pending', '', undefined, 3]) expect(isConversationState(v)).toBe(false);
  });
});
