import { type IncomingMessage, request as httpRequest, type ServerResponse } from 'node:http';

/**
 * Passes a console request on to a sandbox's own control API (method, body, status and content type), so the page
 * talks to one origin and the sandboxes need no CORS. Only under the control prefix given: never Telesign's /v1/
 * or the Dynamics API, which want signatures the page does not have.
 */
export function proxyTo(base: string, prefix: string, rest: string, search: string) {
  return (req: IncomingMessage, res: ServerResponse) =>
    new Promise<void>((resolve) => {
      const target = new URL(`${prefix}${rest}${search}`, base);
      const upstream = httpRequest(
        target,
        {
          method: req.method,
          headers: req.headers['content-type'] ? { 'content-type': req.headers['content-type'] } : {},
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, {
            'content-type': answer.headers['content-type'] ?? 'application/json; charset=utf-8',
          });
          answer.pipe(res);
          answer.once('end', resolve);
          answer.once('error', () => resolve());
        },
      );
      upstream.once('error', (error) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify({ error: { code: 'sandbox_unreachable', message: error.message } }));
        resolve();
      });
      // A sandbox held by a `hang` fault answers nothing: the page's own request is what gives up.
      res.once('close', () => {
        if (!res.writableFinished) upstream.destroy();
      });
      req.pipe(upstream);
    });
}
