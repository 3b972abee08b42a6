import type { EventContext, Receiver, Sender } from 'rhea';

import { answerPutToken } from './cbs';
import { amqpError, Condition } from './conditions';
import { stateOf } from './connectionState';
import { DeliveryLink } from './deliveryLink';
import { parseAddress } from './entityAddress';
import type { Entrance } from './entrance';
import { messagesOf } from './inboundTransfer';
import { echoSettleModes, refuseLink, setMaxMessageSize } from './linkControl';
import { answerManagementRequest } from './management';
import type { Namespace } from './namespace';
import { attachSessionReceiver, hasSessionFilter } from './sessionAttach';

const MAX_MESSAGE_BYTES = 256 * 1024;

/** Routes a client's attach to the node its address names. */
export class AttachRouter {
  constructor(
    private readonly namespace: Namespace,
    private readonly nextSessionWaitMs: number,
  ) {}

  /** The client receives on this link: a reply link of $cbs/$management, or messages of an entity. */
  senderOpened(sender: Sender): void {
    const connection = stateOf(sender.connection);
    const address = parseAddress(sender.source?.address);
    if (address?.kind === 'cbs' || address?.kind === 'management') {
      echoTermini(sender);
      connection.replies.register(sender);
      connection.onGone(sender, () => connection.replies.unregister(sender));
      return;
    }
    const node = this.namespace.node(sender.source?.address);
    if (!node?.store) {
      refuseLink(sender, node ? receiveFromTopic(sender.source?.address) : notFound(sender.source?.address));
      return;
    }
    const target = node.store;
    if (target.subqueue.sessionful) {
      if (!hasSessionFilter(sender)) {
        refuseLink(
          sender,
          amqpError(Condition.notAllowed, `'${target.queue.settings.name}' requires sessions: use a session receiver`),
        );
        return;
      }
      attachSessionReceiver(sender, target.subqueue, connection, this.nextSessionWaitMs);
      return;
    }
    if (hasSessionFilter(sender)) {
      refuseLink(sender, amqpError(Condition.notAllowed, `'${target.subqueue.settings.path}' does not use sessions`));
      return;
    }
    echoTermini(sender);
    const link = new DeliveryLink(sender, target.subqueue);
    connection.onGone(sender, () => link.close());
    link.start();
  }

  /** The client sends on this link: $cbs or $management requests, or messages to a queue or topic. */
  receiverOpened(receiver: Receiver): void {
    const connection = stateOf(receiver.connection);
    const address = parseAddress(receiver.target?.address);
    if (address?.kind === 'cbs') {
      echoTermini(receiver);
      receiver.on('message', (context: EventContext) => answerPutToken(context, connection.replies));
      return;
    }
    if (address?.kind === 'management') {
      echoTermini(receiver);
      receiver.on('message', (context: EventContext) =>
        answerManagementRequest(context, this.namespace, connection.replies),
      );
      return;
    }
    const node = this.namespace.node(receiver.target?.address);
    if (!node) {
      refuseLink(receiver, notFound(receiver.target?.address));
      return;
    }
    if (!node.entrance) {
      const why = node.store?.deadLetter
        ? 'messages cannot be sent to a dead-letter queue'
        : 'messages are sent to the topic, not to one of its subscriptions';
      refuseLink(receiver, amqpError(Condition.notAllowed, why));
      return;
    }
    const entrance = node.entrance;
    echoTermini(receiver);
    setMaxMessageSize(receiver, MAX_MESSAGE_BYTES);
    receiver.on('message', (context: EventContext) => publish(context, entrance));
  }
}

function publish(context: EventContext, entrance: Entrance): void {
  const delivery = context.delivery;
  let error;
  try {
    error = entrance.publish(messagesOf(context));
  } catch (err) {
    error = amqpError(Condition.argumentError, err instanceof Error ? err.message : String(err));
  }
  if (!delivery || delivery.remote_settled) return;
  if (error) delivery.reject(error);
  else delivery.accept();
}

function echoTermini(link: Sender | Receiver): void {
  if (link.source) link.set_source({ address: link.source.address });
  if (link.target) link.set_target({ address: link.target.address });
  echoSettleModes(link);
}

function receiveFromTopic(address: string | undefined) {
  return amqpError(
    Condition.notAllowed,
    `'${String(address)}' is a topic: receive from one of its subscriptions, '<topic>/Subscriptions/<name>'`,
  );
}

function notFound(address: string | undefined) {
  return amqpError(Condition.notFound, `The messaging entity '${String(address)}' could not be found.`);
}
