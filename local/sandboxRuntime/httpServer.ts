/** The bare HTTP plumbing of both sandboxes: listen, read bodies with a cap, answer, and close every connection on stop. */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A cap against a runaway client; a sandbox that takes larger bodies passes its own. */
const MAX_BODY_BYTES = 64 * 1024;

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

  /** `internalErrorBody` answers a handler that threw, in the error shape of the API the sandbox stands in for. */
  static listen(
    host: string,
    port: number,
    handler: RequestHandler,
    onError: (error: unknown) => void,
    internalErrorBody: unknown,
  ): Promise<HttpServer> {
    const server = http.createServer((req, res) => {
      handler(req, res).catch((error: unknown) => {
        onError(error);
        if (!res.headersSent) sendJson(res, 500, internalErrorBody);
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

/** The path (what routes match, and what Telesign's TSA signs) and the query apart. */
export function splitUrl(req: IncomingMessage): { path: string; query: URLSearchParams } {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return q === -1
    ? { path: url, query: new URLSearchParams() }
    : { path: url.slice(0, q), query: new URLSearchParams(url.slice(q + 1)) };
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
  contentType = 'application/json; charset=utf-8',
): void {
  sendText(res, status, JSON.stringify(body), contentType, headers);
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

export function isJsonContentType(value: string | undefined): boolean {
  return /^application\/json\s*(;|$)/i.test((value ?? '').trim());
}

/** A malformed escape in a path segment is taken as it stands rather than failing the request. */
export function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
