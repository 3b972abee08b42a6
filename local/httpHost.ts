import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

import { HttpRequest, type HttpResponseInit } from '@azure/functions';

import type { Logger } from '../shared/log';
import { invocationContext } from './invocationContext';
import type { HttpFunction } from './loadFunctions';
import { compileRoute, MalformedPathError } from './routeMatcher';

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
  /**
   * Pages outside /api/ (the local console, local/console/): tried before the 404; true when it answered. Never
   * a function, so never in the Azure route table.
   */
  pages?: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;
}

export interface HttpHost {
  url: string;
  port: number;
  /** From now on every request is answered 503 `shutting_down` (Telesign and Dynamics retry it elsewhen). */
  refuse(): void;
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

/** The client closed the connection before its request was read (Node's `aborted`, ECONNRESET). */
const isClientGone = (error: unknown) => (error as NodeJS.ErrnoException | null)?.code === 'ECONNRESET';

/** The body, or undefined when it is over MAX_BODY, or 'gone' when the client went away while sending it. */
export async function readBody(req: IncomingMessage): Promise<Buffer | undefined | 'gone'> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY) return undefined;
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    if (isClientGone(error)) return 'gone';
    throw error;
  }
  return Buffer.concat(chunks);
}

/** host[:port] as RFC 9110 §7.2 allows it: a name or IPv4 address (RFC 3986 reg-name), or an IPv6 literal. */
const HOST_HEADER = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]+)(?::\d*)?$/;

const quoted = (value: string) => JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}…` : value);

const malformedPath = (path: string) =>
  `The path is not valid percent-encoding (each %XX must spell UTF-8 text): ${quoted(path)}.`;

/**
 * The request's URL, or why the request is malformed: a Host header that is not a host, a target that is not a
 * URL, a path that does not percent-decode. A well-behaved host answers these 400 before routing, as the
 * Functions host does, rather than failing on them.
 */
function targetOf(req: IncomingMessage): { url: URL } | { refused: string } {
  // An empty Host is allowed when the target names no authority: the host is then ours.
  const host = req.headers.host || 'localhost';
  let base: URL | undefined;
  try {
    if (HOST_HEADER.test(host)) base = new URL(`http://${host}`);
  } catch {
    // not a host
  }
  if (!base)
    return { refused: `The Host header is not a host (a name or address, then :port if any): ${quoted(host)}.` };
  let url: URL;
  try {
    url = new URL(req.url ?? '/', base);
  } catch {
    return { refused: `The request target is not a URL: ${quoted(req.url ?? '')}.` };
  }
  try {
    decodeURIComponent(url.pathname);
  } catch {
    return { refused: malformedPath(url.pathname) };
  }
  return { url };
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

  let refusing = false;
  const server = createServer(async (req, res) => {
    try {
      if (refusing)
        return send(res, 503, errorBody('shutting_down', 'The local channel is stopping; retry in a moment.'));
      const target = targetOf(req);
      if ('refused' in target) return send(res, 400, errorBody('invalid_request', target.refused));
      const { url } = target;
      if (!url.pathname.startsWith('/api/')) {
        if (options.pages && (await options.pages(req, res, url))) return;
        return send(res, 404, errorBody('not_found', 'Routes live under /api/.'));
      }
      const path = url.pathname.slice('/api/'.length);
      const method = (req.method ?? 'GET').toUpperCase();
      let candidates;
      try {
        candidates = routes.map((r) => ({ ...r, params: r.matcher.match(path) })).filter((r) => r.params);
      } catch (error) {
        if (error instanceof MalformedPathError)
          return send(res, 400, errorBody('invalid_request', malformedPath(url.pathname)));
        throw error;
      }
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
      if (body === 'gone') {
        // Nothing to answer and nothing wrong here: worth a debug line at most.
        options.logger.debug?.('client went away before its request was read', { method, function: route.fn.name });
        return;
      }
      if (body === undefined) return send(res, 413, errorBody('payload_too_large', 'The body is over 1 MiB.'));
      // Every value of a repeated header, joined as the Functions host joins them: Node's `headers` keeps only the
      // first Authorization, which would hide a repeat from the callback's signature check.
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headersDistinct)) if (v) headers[k] = v.join(', ');
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
    refuse: () => void (refusing = true),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
