/** The bare HTTP plumbing: listen, read bodies with a cap, answer JSON, and close every connection on stop. */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export const MAX_BODY_BYTES = 64 * 1024;

export class BodyTooLargeError extends Error {}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export class HttpServer {
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  static listen(
    host: string,
    port: number,
    handler: RequestHandler,
    onError: (error: unknown) => void,
  ): Promise<HttpServer> {
    const server = http.createServer((req, res) => {
      handler(req, res).catch((error: unknown) => {
        onError(error);
        if (!res.headersSent) sendJson(res, 500, { errors: [{ code: -1, description: 'Sandbox internal error.' }] });
        else res.destroy();
      });
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        const { port: actual } = server.address() as AddressInfo;
        const shownHost = host.includes(':') ? `[${host}]` : host;
        resolve(new HttpServer(server, `http://${shownHost}:${actual}`));
      });
    });
  }

  /** Hung requests and keep-alive connections would keep close() waiting forever: destroy them. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
      for (const socket of this.sockets) socket.destroy();
    });
  }
}

/** Path without the query: what TSA signs and what routes match. */
export function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.pause();
        reject(new BodyTooLargeError('body too large'));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  sendText(res, status, JSON.stringify(body), 'application/json; charset=utf-8', headers);
}

export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  contentType: string,
  headers: Record<string, string> = {},
): void {
  const payload = Buffer.from(text, 'utf8');
  res.writeHead(status, { ...headers, 'Content-Type': contentType, 'Content-Length': String(payload.length) });
  res.end(payload);
}
