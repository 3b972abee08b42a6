import type { Server, Socket } from 'net';
import { type Connection, type Container, create_container, type EventContext } from 'rhea';

import type { AttachRouter } from './attach';
import { stateOf } from './connectionState';
import { forgetConnection } from './linkControl';

/**
 * The TCP listener and rhea container. Tracks sockets so that stop() can cut every client off, as an
 * outage would, while the message store lives on in memory.
 */
export class AmqpServer {
  private readonly container: Container;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly connections = new Set<Connection>();

  constructor(router: AttachRouter) {
    this.container = create_container({ id: 'embedded-service-bus' });
    this.container.on('sender_open', (c: EventContext) => c.sender && router.senderOpened(c.sender));
    this.container.on('receiver_open', (c: EventContext) => c.receiver && router.receiverOpened(c.receiver));
    this.container.on('session_close', (c: EventContext) => c.session && stateOf(c.connection).sessionGone(c.session));
    this.container.on('session_error', (c: EventContext) => c.session && stateOf(c.connection).sessionGone(c.session));
    this.container.on('connection_open', (c: EventContext) => this.connections.add(c.connection));
    this.container.on('connection_close', (c: EventContext) => {
      this.connections.delete(c.connection);
      stateOf(c.connection).connectionGone();
    });
    this.container.on('disconnected', (c: EventContext) => {
      this.connections.delete(c.connection);
      stateOf(c.connection).connectionGone();
    });
    // Link and connection errors reach here when no handler took them; a broker must not crash on a client's error.
    this.container.on('error', () => undefined);
    this.container.on('connection_error', () => undefined);
  }

  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const server = this.container.listen({
        host,
        port,
        // Settlement is the broker's decision (complete, dead-letter, refuse a session-less message).
        autoaccept: false,
        // modified means abandon or defer, never a plain release.
        treat_modified_as_released: false,
      } as Parameters<Container['listen']>[0]);
      server.on('connection', (socket: Socket) => {
        // Without this, Nagle's algorithm holds each small reply for the peer's delayed ACK (~40 ms per send).
        socket.setNoDelay(true);
        this.sockets.add(socket);
        socket.once('close', () => this.sockets.delete(socket));
      });
      server.once('error', reject);
      server.once('listening', () => {
        server.off('error', reject);
        this.server = server;
        const address = server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    const closed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    for (const connection of [...this.connections]) forgetConnection(connection);
    this.connections.clear();
    await closed;
  }
}
