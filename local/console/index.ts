import type { IncomingMessage, ServerResponse } from 'node:http';

import { estimateSegments } from '../../shared/domain/segments';
import { replayDeadLetters } from '../deadLetters';
import { channelDeadLetterSources } from '../deadLetterSources';
import { readBody } from '../httpHost';
import { hasConsoleKey } from './consoleKey';
import type { EventHub } from './eventHub';
import { serveEventStream } from './eventStream';
import { type OperatorDeps, operatorState } from './operatorState';
import { indexHtml, pageScript, stylesheet } from './pageFiles';
import { proxyTo } from './proxy';

/**
 * The local console (issue 16): a page at `/` that plays the customer's phone, the agent and the operator against
 * the running channel, through the same HTTP API and sandbox control APIs the CLI uses. Served by the local HTTP
 * host only (its `pages` option): never a function, so never in Azure's route table or the package.
 */
export interface ConsoleDeps extends OperatorDeps {
  hub: EventHub;
  functionKey: string;
  adminKey: string;
}

const sendJson = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
};

const sendText = (res: ServerResponse, type: string, body: string) => {
  res.writeHead(200, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-store' });
  res.end(body);
};

export function consolePages(deps: ConsoleDeps) {
  const keys = [deps.functionKey, deps.adminKey];
  const supportNumbers = deps.app.config.accounts.flatMap((a) => a.supportNumbers.map((n) => n.number));

  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    const method = (req.method ?? 'GET').toUpperCase();
    const path = url.pathname;
    // The static files carry nothing secret but the key in the page's config, and the page is local only.
    if (method === 'GET' && path === '/') {
      sendText(
        res,
        'text/html',
        indexHtml({ functionKey: deps.functionKey, dynamicsSandbox: !!deps.dynamicsSandboxUrl, supportNumbers }),
      );
      return true;
    }
    if (!path.startsWith('/console/')) return false;
    const rest = path.slice('/console/'.length);
    if (method === 'GET' && rest === 'console.css') {
      sendText(res, 'text/css', stylesheet());
      return true;
    }
    if (method === 'GET' && rest.endsWith('.js')) {
      const script = pageScript(rest);
      if (script === undefined) return false;
      sendText(res, 'text/javascript', script);
      return true;
    }

    if (!hasConsoleKey(req, url, keys)) {
      sendJson(res, 401, { error: { code: 'unauthorized', message: 'The console needs the local function key.' } });
      return true;
    }
    if (method === 'GET' && rest === 'events') {
      serveEventStream(res, deps.hub);
      return true;
    }
    if (method === 'GET' && rest === 'state') {
      sendJson(res, 200, await operatorState(deps));
      return true;
    }
    // The phone's counter: the send path's own estimate (shared/domain/segments.ts), not a copy of it in the page.
    if (method === 'POST' && rest === 'segments') {
      const text = textOf(await readBody(req));
      if (text === undefined) {
        sendJson(res, 400, { error: { code: 'invalid_request', message: 'Send {"text": "…"}, at most 1 MiB.' } });
        return true;
      }
      const { encoding, segments, characters } = estimateSegments(text);
      sendJson(res, 200, { encoding, segments, characters });
      return true;
    }
    if (method === 'POST' && rest === 'dead-letters/replay') {
      const replayed = [];
      for (const source of channelDeadLetterSources(deps.env))
        replayed.push(...(await replayDeadLetters(deps.serviceBus, source)));
      sendJson(res, 200, { replayed });
      return true;
    }
    const proxied = proxyFor(deps, rest, url.search);
    if (proxied) {
      await proxied(req, res);
      return true;
    }
    return false;
  };
}

/** `{"text": "…"}`'s text, or undefined for any other body. */
function textOf(body: Buffer | undefined | 'gone'): string | undefined {
  if (!Buffer.isBuffer(body)) return undefined;
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    const text = (parsed as { text?: unknown } | null)?.text;
    return typeof text === 'string' ? text : undefined;
  } catch {
    return undefined;
  }
}

/** `/console/telesign/<rest>` → the Telesign sandbox's `/sandbox/<rest>`, `/console/dynamics/<rest>` → `/_sandbox/<rest>`. */
function proxyFor(deps: ConsoleDeps, rest: string, search: string) {
  const [prefix, ...tail] = rest.split('/');
  const inner = tail.join('/');
  // Nothing that could climb out of the control prefix.
  if (!inner || inner.split('/').some((part) => part === '..' || part === '' || /%2e|%2f|%5c/i.test(part)))
    return undefined;
  if (prefix === 'telesign' && deps.telesignSandboxUrl)
    return proxyTo(deps.telesignSandboxUrl, '/sandbox/', inner, search);
  if (prefix === 'dynamics' && deps.dynamicsSandboxUrl)
    return proxyTo(deps.dynamicsSandboxUrl, '/_sandbox/', inner, search);
  return undefined;
}
