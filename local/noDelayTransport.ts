import net from 'node:net';

import type { ServiceBusClientOptions, WebSocketImpl } from '@azure/service-bus';

/**
 * Client options that connect the SDK to a plain-AMQP endpoint (UseDevelopmentEmulator=true: the embedded broker
 * or Microsoft's emulator) over a TCP socket with Nagle's algorithm off; {} for any other connection string.
 *
 * Why: rhea sets TCP_NODELAY only in `Connection.attach_receiver`, which the SDK never calls (it opens links on a
 * session), so the SDK's socket keeps Nagle on. Each second small frame written before the first is acknowledged
 * (an attach after a begin, a drain after a flow) then waits for the broker's delayed ACK, ~40 ms. core-amqp
 * builds rhea's connection options itself and takes nothing from the caller but `webSocketOptions`, whose
 * constructor rhea drives through send/onmessage/onopen/onclose/onerror and nothing else — so a "WebSocket" that
 * is really a TCP socket is the one public way to choose the socket.
 */
export function noDelayClientOptions(connectionString: string): ServiceBusClientOptions {
  const endpoint = plainAmqpEndpoint(connectionString);
  return endpoint ? { webSocketOptions: { webSocket: tcpSocket(endpoint) } } : {};
}

interface Endpoint {
  host: string;
  port: number;
}

/** The Endpoint's host and port when the connection string asks for plain AMQP; 5672 as the SDK defaults. */
export function plainAmqpEndpoint(connectionString: string): Endpoint | undefined {
  const parts = new Map<string, string>();
  for (const part of connectionString.split(';')) {
    const at = part.indexOf('=');
    if (at > 0) parts.set(part.slice(0, at).trim().toLowerCase(), part.slice(at + 1).trim());
  }
  if (parts.get('usedevelopmentemulator')?.toLowerCase() !== 'true') return undefined;
  const endpoint = parts.get('endpoint');
  if (!endpoint) return undefined;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return undefined;
  }
  // URL keeps an IPv6 literal's brackets; net.connect wants the bare address.
  return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: url.port ? Number(url.port) : 5672 };
}

/** A constructor with the WebSocket surface rhea's `ws.wrap` uses; the URL core-amqp builds is ignored. */
function tcpSocket({ host, port }: Endpoint): WebSocketImpl {
  return class NoDelayTcpSocket {
    readonly url = `amqp://${host}:${port}`;
    onopen: (() => void) | null = null;
    onmessage: ((event: { data: Buffer }) => void) | null = null;
    onclose: (() => void) | null = null;
    onerror: ((error: Error) => void) | null = null;
    private readonly socket: net.Socket;

    constructor() {
      this.socket = net.connect({ host, port, noDelay: true });
      let failure: Error | undefined;
      this.socket.on('connect', () => this.onopen?.());
      this.socket.on('data', (data: Buffer) => this.onmessage?.({ data }));
      // 'close' always follows 'error': rhea hears of the end once, with the error when there was one.
      this.socket.on('error', (error) => (failure = error));
      this.socket.on('close', () => (failure ? this.onerror?.(failure) : this.onclose?.()));
    }

    send(data: Buffer): void {
      this.socket.write(data);
    }

    close(): void {
      this.socket.end();
    }
  };
}
