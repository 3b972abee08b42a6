import type { Connection, link as Link, Session } from 'rhea';

import { ReplyRouter } from './replyRouter';

/**
 * What the broker holds per client connection. Links do not see their connection drop or their
 * session end, so cleanup runs from here too.
 */
export class ConnectionState {
  readonly replies = new ReplyRouter();
  private readonly cleanups = new Map<Link, () => void>();

  /** Runs `cleanup` once, when the link detaches or its session or connection goes away. */
  onGone(link: Link, cleanup: () => void): void {
    if (!this.cleanups.has(link))
      link.once(link.is_sender() ? 'sender_close' : 'receiver_close', () => this.linkGone(link));
    this.cleanups.set(link, cleanup);
  }

  linkGone(link: Link): void {
    const cleanup = this.cleanups.get(link);
    this.cleanups.delete(link);
    cleanup?.();
  }

  sessionGone(session: Session): void {
    for (const link of [...this.cleanups.keys()]) if (link.session === session) this.linkGone(link);
  }

  connectionGone(): void {
    for (const link of [...this.cleanups.keys()]) this.linkGone(link);
  }
}

const states = new WeakMap<Connection, ConnectionState>();

export function stateOf(connection: Connection): ConnectionState {
  let state = states.get(connection);
  if (!state) {
    state = new ConnectionState();
    states.set(connection, state);
  }
  return state;
}
