import type { Message, Sender } from 'rhea';

/**
 * Request/response nodes ($cbs, $management) answer on the client's receiving link whose address the
 * request names in reply_to. Replies wait for credit rather than being dropped.
 */
export class ReplyRouter {
  private readonly links = new Map<string, Sender>();
  private readonly pending = new Map<Sender, Message[]>();

  register(sender: Sender): void {
    const address = sender.target?.address;
    if (address) this.links.set(address, sender);
    this.links.set(sender.name, sender);
    sender.on('sendable', () => this.flush(sender));
  }

  unregister(sender: Sender): void {
    for (const [key, link] of this.links) if (link === sender) this.links.delete(key);
    this.pending.delete(sender);
  }

  reply(replyTo: unknown, message: Message): void {
    const sender = typeof replyTo === 'string' ? this.links.get(replyTo) : undefined;
    if (!sender) return;
    const queue = this.pending.get(sender) ?? [];
    queue.push(message);
    this.pending.set(sender, queue);
    this.flush(sender);
  }

  private flush(sender: Sender): void {
    const queue = this.pending.get(sender);
    while (queue && queue.length > 0 && sender.is_open() && sender.sendable()) {
      sender.send(queue.shift() as Message);
    }
  }
}
