import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

import { HttpRequest, type HttpResponseInit } from '@azure/functions';

import type { Logger } from '../shared/log';
import { invocationContext } from './invocationContext';
import type { HttpFunction } from './loadFunctions';
import { compileRoute } from './routeMatcher';

/**
 * The local HTTP host: `http://<host>:<port>/api/<route>` with the routes, methods and auth levels the function
 * files registered, calling the same handlers with the same request objects the Functions host would.
 */
export interface HttpHostOptions {
  port: number;
  host?: string;
  functions: HttpFunction[];
  /** Accepted for authLevel `function` (header `x-functions-key` or `?code=`). */
  functionKey: string;
  /** Accepted for authLevel `admin`, and for `function` too, as in Azure. */
  adminKey: string;
  logger: Logger;
}

export interface HttpHost {
  url: string;
  port: number;
  close(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;

function keyMatches(given: string | undefined, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}) {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    ...(payload !== undefined ? { 'content-type': 'application/json; charset=utf-8' } : {}),
  });
  res.end(payload);
}

const errorBody = (code: string, message: string) => ({ error: { code, message } });

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function writeResponse(res: ServerResponse, result: HttpResponseInit) {
  const headers: Record<string, string> = {};
  if (result.headers) {
    for (const [k, v] of Object.entries(result.headers as Record<string, string>)) headers[k] = String(v);
  }
  if (result.jsonBody !== undefined) return send(res, result.status ?? 200, result.jsonBody, headers);
  res.writeHead(result.status ?? 200, headers);
  res.end(typeof result.body === 'string' || Buffer.isBuffer(result.body) ? result.body : undefined);
}

export async function startHttpHost(options: HttpHostOptions): Promise<HttpHost> {
  const routes = options.functions.map((fn) => ({ fn, matcher: compileRoute(fn.route) }));
  const sockets = new Set<Socket>();

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
      if (!url.pathname.startsWith('/api/')) return send(res, 404, errorBody('not_found', 'Routes live under /api/.'));
      const path = url.pathname.slice('/api/'.length);
      const method = (req.method ?? 'GET').toUpperCase();
      const candidates = routes.map((r) => ({ ...r, params: r.matcher.match(path) })).filter((r) => r.params);
      if (candidates.length === 0)
        return send(res, 404, errorBody('not_found', `No function answers on /api/${path}.`));
      const route = candidates.find((r) => r.fn.methods.includes(method));
      if (!route)
        return send(
          res,
          405,
          errorBody('method_not_allowed', `Use ${candidates.flatMap((r) => r.fn.methods).join(' or ')}.`),
        );

      const key = (req.headers['x-functions-key'] as string | undefined) ?? url.searchParams.get('code') ?? undefined;
      const level = route.fn.authLevel;
      const authorised =
        level === 'anonymous' ||
        keyMatches(key, options.adminKey) ||
        (level === 'function' && keyMatches(key, options.functionKey));
      if (!authorised)
        return send(res, 401, errorBody('unauthorized', 'A valid function key is required (header x-functions-key).'));

      const body = await readBody(req);
      if (body === undefined) return send(res, 413, errorBody('payload_too_large', 'The body is over 1 MiB.'));
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      const request = new HttpRequest({
        method,
        url: url.toString(),
        headers,
        query: Object.fromEntries(url.searchParams),
        params: route.params!,
        body: body.length ? { bytes: body } : undefined,
      });
      const result = (await route.fn.handler(
        request,
        invocationContext(route.fn.name, options.logger),
      )) as HttpResponseInit;
      await writeResponse(res, result ?? { status: 204 });
    } catch (error) {
      options.logger.error('local host failed to serve a request', {
        error: error instanceof Error ? error.message : String(error),
      });
      if (!res.headersSent) send(res, 500, errorBody('internal_error', 'The local host failed to serve the request.'));
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
