/**
 * Control routes for tests, humans and the CLI, under `/_sandbox/` so they can never be mistaken for the
 * consumer API or the Entra routes. No auth: the sandbox listens on 127.0.0.1 by default. Bodies and answers
 * are JSON; a conversation is named by its id, a unique id prefix, or the customer's phone number.
 *
 *   GET  /_sandbox/settings                         what a client needs (no secret)
 *   GET  /_sandbox/conversations[?state=Open]       every conversation, with what the customer side sent
 *   GET  /_sandbox/conversations/{ref}
 *   POST /_sandbox/conversations/{ref}/accept       {agentId?, agentName?}
 *   POST /_sandbox/conversations/{ref}/reply        {text}            markdown
 *   POST /_sandbox/conversations/{ref}/attachment   {contentUrl, name, contentType?}
 *   POST /_sandbox/conversations/{ref}/typing
 *   POST /_sandbox/conversations/{ref}/wait         the X: → Waiting
 *   POST /_sandbox/conversations/{ref}/end          End: → Wrap-up → Closed
 *   POST /_sandbox/conversations/{ref}/close        Wrap-up → Closed
 *   POST /_sandbox/conversations/{ref}/force-close
 *   POST /_sandbox/conversations/{ref}/timeout      {event?: string | null}
 *   POST /_sandbox/conversations/{ref}/transfer     {to: agent|queue, agentId?, agentName?, outcome?: accepted|failed}
 *   POST /_sandbox/conversations/{ref}/event        {name}
 *   GET  /_sandbox/webhook/deliveries | /_sandbox/webhook/attempts
 *   POST /_sandbox/webhook                          {url?, channelId?, audience?, timeoutMs?, retryDelaysMs?, …}
 *   GET|POST /_sandbox/webhook/faults               {duplicate?, outOfOrder?, missingAuth?: {next?, rate?}}
 *   GET  /_sandbox/faults   POST /_sandbox/faults {faults: [...]}   POST /_sandbox/faults/rate {rate…} | null
 *   POST /_sandbox/faults/clear
 *   POST /_sandbox/channel                          {channelId?, linkedToWorkstream}
 *   POST /_sandbox/tokens/access | /_sandbox/tokens/webhook   {expiresInSeconds?, audience?, issuer?, tenantId?, appId?}
 *   POST /_sandbox/reset
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import { z } from 'zod';

import { BodyTooLargeError, readBody, safeDecode, sendJson } from '../sandboxRuntime/httpServer';
import { SandboxActionError } from './actionError';
import { consumerFaultSchema, faultRateSchema } from './faults';
import { webhookFaultsSchema } from './faultSwitches';
import type { DynamicsSandbox } from './sandbox';
import type { ActionResult, ConversationState } from './types';

export const CONTROL_PREFIX = '/_sandbox/';

/**
 * What the control API drives: the sandbox's programmatic handle, but for what a route has no use for (the URL,
 * waiting for idle, stopping; a webhook URL is set through configureWebhook) or must never hand out (a client secret).
 */
export type ControlApiDeps = Omit<DynamicsSandbox, 'url' | 'clientSecret' | 'setWebhookUrl' | 'webhookIdle' | 'stop'>;

const STATES = ['Open', 'Active', 'Waiting', 'Wrap-up', 'Closed'] as const;
const empty = z.object({}).strict();
const acceptSchema = z
  .object({ agentId: z.string().min(1).optional(), agentName: z.string().min(1).optional() })
  .strict();
const replySchema = z.object({ text: z.string().min(1) }).strict();
const attachmentSchema = z
  .object({
    contentUrl: z.string().min(1),
    name: z.string().min(1).max(256),
    contentType: z.string().min(1).optional(),
  })
  .strict();
const timeoutSchema = z.object({ event: z.string().min(1).nullable().optional() }).strict();
const transferSchema = z
  .object({
    to: z.enum(['agent', 'queue']),
    agentId: z.string().min(1).optional(),
    agentName: z.string().min(1).optional(),
    outcome: z.enum(['accepted', 'failed']).optional(),
  })
  .strict();
const eventSchema = z.object({ name: z.string().min(1).max(256) }).strict();
const webhookSchema = z
  .object({
    url: z.string().min(1).optional(),
    channelId: z.string().optional(),
    audience: z.string().min(1).optional(),
    issuer: z.string().min(1).optional(),
    tokenLifetimeSeconds: z.number().int().optional(),
    timeoutMs: z.number().int().positive().optional(),
    retryDelaysMs: z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]).optional(),
    eventType: z.enum(['message', 'event']).optional(),
    eventFrom: z.enum(['sample', 'agent']).optional(),
    activityIds: z.boolean().optional(),
    acceptAny2xx: z.boolean().optional(),
    holdMs: z.number().int().nonnegative().optional(),
  })
  .strict();
const faultsSchema = z.object({ faults: z.array(consumerFaultSchema).min(1) }).strict();
const rateSchema = z.union([faultRateSchema, z.null()]);
const channelSchema = z.object({ channelId: z.string().optional(), linkedToWorkstream: z.boolean() }).strict();
const tokenSchema = z
  .object({
    expiresInSeconds: z.number().int().optional(),
    audience: z.string().min(1).optional(),
    issuer: z.string().min(1).optional(),
    tenantId: z.string().min(1).optional(),
    appId: z.string().min(1).optional(),
  })
  .strict();

type Action = (deps: ControlApiDeps, ref: string, body: unknown) => ActionResult;

/** Each conversation action: its body schema and what it calls. */
const ACTIONS: Record<string, { schema: z.ZodType; run: Action }> = {
  accept: {
    schema: acceptSchema,
    run: (d, ref, b) => {
      const { agentId, agentName } = b as z.infer<typeof acceptSchema>;
      return d.accept(ref, { ...(agentId && { id: agentId }), ...(agentName && { name: agentName }) });
    },
  },
  reply: { schema: replySchema, run: (d, ref, b) => d.reply(ref, (b as z.infer<typeof replySchema>).text) },
  attachment: {
    schema: attachmentSchema,
    run: (d, ref, b) => d.sendAttachment(ref, b as z.infer<typeof attachmentSchema>),
  },
  typing: { schema: empty, run: (d, ref) => d.typing(ref) },
  wait: { schema: empty, run: (d, ref) => d.setWaiting(ref) },
  end: { schema: empty, run: (d, ref) => d.end(ref) },
  close: { schema: empty, run: (d, ref) => d.close(ref) },
  'force-close': { schema: empty, run: (d, ref) => d.forceClose(ref) },
  timeout: {
    schema: timeoutSchema,
    run: (d, ref, b) => d.timeout(ref, (b as z.infer<typeof timeoutSchema>).event),
  },
  transfer: {
    schema: transferSchema,
    run: (d, ref, b) => {
      const { to, agentId, agentName, outcome } = b as z.infer<typeof transferSchema>;
      const agent =
        agentId || agentName ? { ...(agentId && { id: agentId }), ...(agentName && { name: agentName }) } : undefined;
      return d.transfer(ref, { to, ...(agent && { agent }), ...(outcome && { outcome }) });
    },
  },
  event: { schema: eventSchema, run: (d, ref, b) => d.sendEvent(ref, (b as z.infer<typeof eventSchema>).name) },
};

const CONVERSATION_ACTION = /^\/_sandbox\/conversations\/([^/]+)\/([a-z-]+)$/;
const CONVERSATION = /^\/_sandbox\/conversations\/([^/]+)$/;

export async function handleControl(
  deps: ControlApiDeps,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: URLSearchParams,
): Promise<void> {
  const method = req.method ?? 'GET';
  try {
    if (method === 'GET') return get(deps, res, path, query);
    if (method !== 'POST') return sendJson(res, 405, { error: 'method_not_allowed', message: 'GET or POST only.' });
    const body = await readJsonBody(req);
    if (!body.ok) return sendJson(res, body.status, { error: body.error, message: body.message });

    const action = CONVERSATION_ACTION.exec(path);
    if (action && ACTIONS[action[2]]) {
      const { schema, run } = ACTIONS[action[2]];
      const input = validate(schema, body.value ?? {});
      return sendJson(res, 200, run(deps, safeDecode(action[1]), input));
    }
    switch (path) {
      case '/_sandbox/webhook': {
        deps.configureWebhook(validate(webhookSchema, body.value ?? {}));
        return sendJson(res, 200, { ok: true });
      }
      case '/_sandbox/webhook/faults':
        deps.setWebhookFaults(validate(webhookFaultsSchema, body.value ?? {}));
        return sendJson(res, 200, deps.webhookFaults());
      case '/_sandbox/faults':
        deps.injectFaults(validate(faultsSchema, body.value).faults);
        return sendJson(res, 200, deps.faults());
      case '/_sandbox/faults/rate':
        deps.setFaultRate(validate(rateSchema, body.value));
        return sendJson(res, 200, deps.faults());
      case '/_sandbox/faults/clear':
        deps.clearFaults();
        return sendJson(res, 200, deps.faults());
      case '/_sandbox/channel': {
        const { channelId, linkedToWorkstream } = validate(channelSchema, body.value);
        deps.setWorkstreamLinked(linkedToWorkstream, channelId);
        return sendJson(res, 200, { ok: true });
      }
      case '/_sandbox/tokens/access':
        return sendJson(res, 200, { token: await deps.mintAccessToken(validate(tokenSchema, body.value ?? {})) });
      case '/_sandbox/tokens/webhook':
        return sendJson(res, 200, { token: await deps.mintWebhookToken(validate(tokenSchema, body.value ?? {})) });
      case '/_sandbox/reset':
        deps.reset();
        return sendJson(res, 200, { ok: true });
    }
    return sendJson(res, 404, { error: 'no_route', message: `No control route POST ${path}.` });
  } catch (error) {
    if (error instanceof SandboxActionError) {
      return sendJson(res, error.status, { error: error.code, message: error.message });
    }
    if (error instanceof InvalidBody) return sendJson(res, 400, { error: 'invalid_body', issues: error.issues });
    throw error;
  }
}

function get(deps: ControlApiDeps, res: ServerResponse, path: string, query: URLSearchParams): void {
  if (path === '/_sandbox/settings') return sendJson(res, 200, deps.settings());
  if (path === '/_sandbox/conversations') {
    const state = query.get('state');
    if (state !== null && !(STATES as readonly string[]).includes(state)) {
      return sendJson(res, 400, { error: 'invalid_state', message: `state is one of ${STATES.join(', ')}.` });
    }
    const all = deps.conversations();
    return sendJson(res, 200, state === null ? all : all.filter((c) => c.state === (state as ConversationState)));
  }
  const one = CONVERSATION.exec(path);
  if (one) return sendJson(res, 200, deps.conversation(safeDecode(one[1])));
  if (path === '/_sandbox/webhook/deliveries') return sendJson(res, 200, deps.webhookDeliveries());
  if (path === '/_sandbox/webhook/attempts') return sendJson(res, 200, deps.webhookAttempts());
  if (path === '/_sandbox/webhook/faults') return sendJson(res, 200, deps.webhookFaults());
  if (path === '/_sandbox/faults') return sendJson(res, 200, deps.faults());
  return sendJson(res, 404, { error: 'no_route', message: `No control route GET ${path}.` });
}

class InvalidBody extends Error {
  constructor(readonly issues: Array<{ path: string; message: string }>) {
    super('invalid body');
  }
}

function validate<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new InvalidBody(parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
  }
  return parsed.data;
}

/** An empty body is `undefined`: actions without input need none. */
async function readJsonBody(
  req: IncomingMessage,
): Promise<{ ok: true; value: unknown } | { ok: false; status: number; error: string; message: string }> {
  let raw: Buffer;
  try {
    raw = await readBody(req, 64 * 1024);
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error;
    return { ok: false, status: 413, error: 'body_too_large', message: 'The body is over 64 KB.' };
  }
  if (raw.length === 0) return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(raw.toString('utf8')) };
  } catch {
    return { ok: false, status: 400, error: 'invalid_json', message: 'The body is not JSON.' };
  }
}
