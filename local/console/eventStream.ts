import type { ServerResponse } from 'node:http';

import type { EventHub } from './eventHub';
import { liveEventOf } from './liveEvent';

/** Proxies and browsers drop an idle stream; a comment line every 15 s keeps it open and costs the page nothing. */
const KEEP_ALIVE_MS = 15_000;

/**
 * `GET /console/events`: Server-Sent Events, `event: ready` once connected, then `event: channel` for each channel
 * event. The stream ends when the client goes away or the hub closes (the channel stops), whichever comes first.
 */
export function serveEventStream(res: ServerResponse, hub: EventHub): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  // The browser reconnects by itself after 2 s if the channel restarts.
  res.write(`retry: 2000\nevent: ready\ndata: ${JSON.stringify({ at: new Date().toISOString() })}\n\n`);
  const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
  keepAlive.unref();
  let ended = false;
  // Assigned below: a hub already closed ends the stream from inside subscribe().
  let unsubscribe = () => undefined as void;
  const end = () => {
    if (ended) return;
    ended = true;
    clearInterval(keepAlive);
    unsubscribe();
    res.end();
  };
  unsubscribe = hub.subscribe(
    (event) => res.write(`event: channel\ndata: ${JSON.stringify(liveEventOf(event))}\n\n`),
    end,
  );
  // The response's close, not the request's: a request closes once its (empty) body is read.
  res.once('close', end);
}
