/** The page's config, inline in index.html (local/console/pageFiles.ts), and its one way to call the channel. */
export interface PageConfig {
  functionKey: string;
  dynamicsSandbox: boolean;
  supportNumbers: string[];
}

export const config: PageConfig = JSON.parse(document.getElementById('config')!.textContent!);

export interface Answer {
  status: number;
  ok: boolean;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- each caller reads the shape it asked for
}

/** Same origin: /api/… for the channel, /console/… for its state and the sandboxes' control APIs. */
export async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(path, {
    method,
    headers: {
      'x-functions-key': config.functionKey,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  return { status: response.status, ok: response.ok, body: parsed } as Answer;
}

/** The channel answers {error: {code, message}}, the sandboxes {error: code, message}. */
export function errorText(answer: Answer): string {
  const error = answer.body?.error;
  if (error && typeof error === 'object') return `${error.code}: ${error.message}`;
  if (typeof error === 'string') return `${error}: ${answer.body.message ?? ''}`;
  return `HTTP ${answer.status}`;
}

/** Only digits: what Telesign's inbound path and filters use. */
export const digitsOf = (number: string) => number.replace(/\D/g, '');
