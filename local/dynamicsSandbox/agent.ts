/**
 * The agent's side, played through the control API: each action checks the state machine of
 * docs/dynamics-protocol.md §6, moves the conversation on, and queues the webhook activities Dynamics would send
 * (§5).
 * What each event means is not documented; the sandbox reads it from the names: X → AgentClosed (Waiting),
 * End → AgentEndSession (Wrap-up), then ConversationClosed (Closed).
 */
import type { Lifecycle } from '../sandboxRuntime/lifecycle';
import { SandboxActionError } from './actionError';
import { type Conversation, type ConversationStore, setState, viewOf } from './conversationStore';
import type { SandboxConfig } from './defaults';
import { type MessageClock, messageIdOf, offsetTimestamp } from './ids';
import type { Logger } from './log';
import type { ActionResult, AgentRef, AttachmentInput, ConversationState, TransferInput } from './types';
import type { WebhookDispatcher } from './webhookDispatcher';
import { type Activity, agentAttachment, agentMessage, eventActivity, typingActivity } from './webhookPayloads';

export const DEFAULT_AGENT: AgentRef = { id: 'e3f1a2b4-5c6d-4e7f-8a9b-0c1d2e3f4a5b', name: 'Sandbox Agent' };

export interface AgentDeps {
  config: SandboxConfig;
  store: ConversationStore;
  clock: MessageClock;
  dispatcher: WebhookDispatcher;
  lifecycle: Lifecycle;
  logger: Logger;
}

const OPEN_STATES: ConversationState[] = ['Open', 'Active', 'Waiting', 'Wrap-up'];

export class AgentActions {
  constructor(private readonly deps: AgentDeps) {}

  /** Open or Waiting → Active, AgentAccepted. */
  accept(ref: string, agent: Partial<AgentRef> = {}): ActionResult {
    return this.act(ref, 'accept', ['Open', 'Waiting'], (c, events) => {
      c.agent = {
        id: agent.id ?? c.agent?.id ?? DEFAULT_AGENT.id,
        name: agent.name ?? c.agent?.name ?? DEFAULT_AGENT.name,
      };
      setState(c, 'Active', `accepted by ${c.agent.name}`);
      events.push(this.event(c, 'AgentAccepted'));
    });
  }

  /** An agent message, markdown as typed in the workspace. */
  reply(ref: string, text: string): ActionResult {
    if (typeof text !== 'string' || text.trim() === '') {
      throw new SandboxActionError(400, 'invalid_text', 'A reply needs a non-empty text.');
    }
    return this.act(ref, 'reply', ['Active'], (c, events) => {
      const agent = c.agent!;
      this.transcribe(c, agent, { text, attachments: [] });
      events.push(agentMessage(this.target(c), agent, text, this.deps.config.webhook));
    });
  }

  sendAttachment(ref: string, attachment: AttachmentInput): ActionResult {
    if (!attachment || typeof attachment.contentUrl !== 'string' || attachment.contentUrl === '' || !attachment.name) {
      throw new SandboxActionError(400, 'invalid_attachment', 'An attachment needs a contentUrl and a name.');
    }
    return this.act(ref, 'attachment', ['Active'], (c, events) => {
      const activity = agentAttachment(this.target(c), c.agent!, attachment, this.deps.config.webhook);
      this.transcribe(c, c.agent!, { attachments: activity.attachments as Array<Record<string, unknown>> });
      events.push(activity);
    });
  }

  typing(ref: string): ActionResult {
    return this.act(ref, 'typing', ['Active'], (c, events) => {
      const recipient = c.customerContext.customerid ?? c.id;
      events.push(typingActivity(this.target(c), recipient, this.deps.config.webhook));
    });
  }

  /** The X without End: Active → Waiting (asynchronous channels only), AgentClosed. */
  setWaiting(ref: string): ActionResult {
    return this.act(ref, 'wait', ['Active'], (c, events) => {
      setState(c, 'Waiting', 'agent closed the session (X)');
      events.push(this.event(c, 'AgentClosed'));
    });
  }

  /** End: → Wrap-up with AgentEndSession, then Closed with ConversationClosed (at once, later, or on close()). */
  end(ref: string): ActionResult {
    const result = this.act(ref, 'end', ['Active', 'Waiting'], (c, events) => {
      setState(c, 'Wrap-up', 'agent ended the conversation');
      events.push(this.event(c, 'AgentEndSession'));
      if (this.deps.config.wrapUpCloseMs === 0) this.closeNow(c, events, 'wrap-up finished');
    });
    this.scheduleClose(result.conversation.conversationId);
    return result;
  }

  /** Wrap-up → Closed, ConversationClosed. */
  close(ref: string): ActionResult {
    return this.act(ref, 'close', ['Wrap-up'], (c, events) => this.closeNow(c, events, 'wrap-up finished'));
  }

  forceClose(ref: string): ActionResult {
    return this.act(ref, 'force-close', OPEN_STATES, (c, events) => {
      events.push(this.event(c, 'SupervisorForceClosedConversation'));
      c.cancelClose?.();
      setState(c, 'Closed', 'supervisor force-closed it');
    });
  }

  /** An inactivity or auto-close rule. Which event it sends is not documented: ConversationClosed unless told. */
  timeout(ref: string, eventName: string | null = 'ConversationClosed'): ActionResult {
    return this.act(ref, 'timeout', OPEN_STATES, (c, events) => {
      if (eventName) events.push(this.event(c, eventName));
      c.cancelClose?.();
      setState(c, 'Closed', 'timed out');
    });
  }

  transfer(ref: string, input: TransferInput): ActionResult {
    if (input?.to !== 'agent' && input?.to !== 'queue') {
      throw new SandboxActionError(400, 'invalid_transfer', "A transfer goes to 'agent' or 'queue'.");
    }
    const failed = input.outcome === 'failed';
    return this.act(ref, 'transfer', ['Active'], (c, events) => {
      if (input.to === 'queue') {
        events.push(this.event(c, 'TransferToQueueInitiated'));
        if (failed) return void events.push(this.event(c, 'TransferToQueueFailed'));
        c.agent = undefined;
        return setState(c, 'Open', 'transferred to a queue');
      }
      events.push(this.event(c, 'TransferToAgentInitiated'));
      if (failed) return void events.push(this.event(c, 'TransferToAgentFailed'));
      c.agent = {
        id: input.agent?.id ?? 'f4a5b6c7-d8e9-4f0a-9b1c-2d3e4f5a6b7c',
        name: input.agent?.name ?? 'Second Agent',
      };
      setState(c, 'Active', `transferred to ${c.agent.name}`);
      events.push(this.event(c, 'TransferAgentAcceptSession'));
    });
  }

  /** Any named event, no state change: for the documented names without a sandbox action, and unknown ones. */
  sendEvent(ref: string, name: string): ActionResult {
    if (typeof name !== 'string' || !/^\S{1,256}$/.test(name)) {
      throw new SandboxActionError(400, 'invalid_event', 'An event name is 1 to 256 characters without spaces.');
    }
    return this.act(ref, 'event', OPEN_STATES, (c, events) => events.push(this.event(c, name)));
  }

  /** The customer ended an assigned conversation (now Wrap-up): it closes as after End. */
  customerEnded(conversationId: string): void {
    const c = this.deps.store.get(conversationId);
    if (c?.state !== 'Wrap-up') return;
    if (this.deps.config.wrapUpCloseMs === 0) {
      const events: Activity[] = [];
      this.closeNow(c, events, 'wrap-up finished');
      this.dispatch(c, events);
    } else this.scheduleClose(c.id);
  }

  private act(
    ref: string,
    action: string,
    allowed: ConversationState[],
    change: (c: Conversation, events: Activity[]) => void,
  ): ActionResult {
    const c = this.deps.store.resolve(ref);
    if (!allowed.includes(c.state)) {
      throw new SandboxActionError(
        409,
        'invalid_state',
        `Conversation ${c.id} is ${c.state}; ${action} needs ${allowed.join(' or ')}.`,
      );
    }
    const events: Activity[] = [];
    change(c, events);
    const deliveryIds = this.dispatch(c, events);
    this.deps.logger.info('dynamics sandbox: agent action', { action, conversationId: c.id, state: c.state });
    return { conversation: viewOf(c), deliveryIds };
  }

  private dispatch(c: Conversation, events: Activity[]): string[] {
    return events.map((activity) => this.deps.dispatcher.send(c.id, c.channelId, activity));
  }

  private closeNow(c: Conversation, events: Activity[], cause: string): void {
    c.cancelClose?.();
    c.cancelClose = undefined;
    setState(c, 'Closed', cause);
    events.push(this.event(c, 'ConversationClosed'));
  }

  private scheduleClose(conversationId: string): void {
    const ms = this.deps.config.wrapUpCloseMs;
    const c = this.deps.store.get(conversationId);
    if (ms === null || ms === 0 || c?.state !== 'Wrap-up') return;
    c.cancelClose = this.deps.lifecycle.after(ms, () => {
      if (c.state !== 'Wrap-up') return;
      const events: Activity[] = [];
      this.closeNow(c, events, 'wrap-up finished');
      this.dispatch(c, events);
    });
  }

  private event(c: Conversation, name: string): Activity {
    return eventActivity(this.target(c), name, c.agent, this.deps.config.webhook);
  }

  private target(c: Conversation) {
    return { conversationId: c.id, channelId: c.channelId };
  }

  private transcribe(
    c: Conversation,
    agent: AgentRef,
    content: { text?: string; attachments: Array<Record<string, unknown>> },
  ): void {
    const epochMs = this.deps.clock.next();
    c.messages.push({
      epochMs,
      messageId: messageIdOf(epochMs),
      timestamp: offsetTimestamp(epochMs),
      sender: 'agent',
      ...(content.text !== undefined && { text: content.text }),
      attachments: structuredClone(content.attachments),
      from: { id: agent.id, name: agent.name },
      channelData: {},
      automated: false,
    });
  }
}
