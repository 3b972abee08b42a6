import { AmqpServer } from './amqpServer';
import { AttachRouter } from './attach';
import { type BrokerEntities, entityDepths } from './entityDepths';
import { Namespace } from './namespace';
import { type BrokerOptions, DEFAULT_HOST, DEFAULT_NEXT_SESSION_WAIT_MS } from './options';
import { type BrokerSnapshot, restoreSnapshot, takeSnapshot } from './snapshot';

export type { BrokerEntities, QueueDepth, StoreDepth, SubscriptionDepth, TopicDepth } from './entityDepths';
export type { BrokerOptions, BrokerQueueOptions, BrokerSubscriptionOptions, BrokerTopicOptions } from './options';
export type { BrokerSnapshot } from './snapshot';

/**
 * An in-process Service Bus for local runs and tests. The real @azure/service-bus SDK reaches it through
 * `connectionString` (UseDevelopmentEmulator=true: plain AMQP, any SAS key accepted).
 */
export class EmbeddedBroker {
  readonly connectionString: string;

  private constructor(
    private readonly namespace: Namespace,
    private readonly server: AmqpServer,
    private readonly host: string,
    readonly port: number,
  ) {
    this.connectionString =
      `Endpoint=sb://${endpointHost(host)}:${port};SharedAccessKeyName=RootManageSharedAccessKey;` +
      'SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true';
  }

  static async start(options: BrokerOptions & { restore?: BrokerSnapshot }): Promise<EmbeddedBroker> {
    const namespace = new Namespace(options.queues ?? [], options.topics ?? []);
    const restored = options.restore ? restoreSnapshot(namespace, options.restore) : undefined;
    const server = new AmqpServer(
      new AttachRouter(namespace, options.nextSessionWaitMs ?? DEFAULT_NEXT_SESSION_WAIT_MS),
    );
    const host = options.host ?? DEFAULT_HOST;
    const port = await server.listen(host, options.port ?? 0);
    const broker = new EmbeddedBroker(namespace, server, host, port);
    broker.restored = restored;
    return broker;
  }

  /** What `start` put back from its `restore` snapshot. */
  restored: { restored: number; unknown: string[] } | undefined;

  /** What the broker holds now, for the next start (snapshot.ts). */
  snapshot(): BrokerSnapshot {
    return takeSnapshot(this.namespace);
  }

  /** Every queue and topic subscription with its message counts, for a health or console view. */
  entities(): BrokerEntities {
    return entityDepths(this.namespace);
  }

  /** Closes the listener and drops every client connection; the queues keep their messages. */
  stop(): Promise<void> {
    return this.server.close();
  }

  /** Listens again on the same port with the same entities. */
  async resume(): Promise<void> {
    await this.server.listen(this.host, this.port);
  }
}

/** Clients cannot dial a wildcard address. */
function endpointHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
