/**
 * The consumer API's front door: route, method (GET and POST only), faults, the caller checks, the JSON body;
 * then the route's handler. Every failure is an RFC 7807 problem with a correlation id (problem.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import { BodyTooLargeError, isJsonContentType, readBody, safeDecode } from '../sandboxRuntime/httpServer';
import { matchConsumerRoute } from './consumerRoutes';
import { handleCreate } from './createConversation';
import type { ConversationDeps, HandlerResult } from './deps';
import { describeFault, playFault } from './faults';
import { isGuid } from './ids';
import { capped } from './log';
import { handlePost } from './postActivity';
import { badInput, type Problem, sendOk, sendProblem } from './problem';
import { handleContext, handleList, handleMessages } from './readRoutes';
import { checkCaller } from './requestChecks';

/** Room for a 27 KB start message or a base64 attachment, and a cap against a runaway client. */
const MAX_BODY_BYTES = 1024 * 1024;

export async function handleConsumer(
  deps: ConversationDeps,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: URLSearchParams,
): Promise<void> {
  const route = matchConsumerRoute(path, deps.config.pluralCreateAlias);
  if (!route) return sendProblem(res, { status: 404, title: 'Not Found', detail: 'No such route.' }, path);
  const method = req.method ?? 'GET';
  if (method !== route.method) {
    const problem = {
      status: 405,
      title: 'Method Not Allowed',
      detail: `${route.operation} takes ${route.method} only.`,
      headers: { Allow: route.method },
    };
    return sendProblem(res, problem, path);
  }

  const fault = deps.faults.take(route.operation);
  if (fault) {
    deps.logger.info('dynamics sandbox: playing fault', { operation: route.operation, fault: describeFault(fault) });
    if (await playFault(fault, req, res, deps.lifecycle, path)) return;
  }

  const caller = await checkCaller(deps.key, deps.config, req.headers);
  if (!caller.ok) {
    deps.logger.warn('dynamics sandbox: call refused', { operation: route.operation, reason: caller.reason });
    return sendProblem(res, caller.problem, path);
  }

  let conversationId: string | undefined;
  if (route.conversationId !== undefined) {
    conversationId = safeDecode(route.conversationId);
    if (!isGuid(conversationId)) {
      const detail = `The conversation ID '${capped(conversationId, 64)}' is not a GUID.`;
      return sendProblem(res, badInput(30005, detail), path);
    }
    conversationId = conversationId.toLowerCase();
  }

  let result: HandlerResult;
  if (route.method === 'POST') {
    const body = await readJson(req, deps.config.requireJsonContentType);
    if (!body.ok) return sendProblem(res, body.problem, path);
    result =
      route.operation === 'create'
        ? handleCreate(deps, caller.caller, body.value)
        : handlePost(deps, caller.caller, conversationId!, body.value);
  } else if (route.operation === 'list') {
    result = handleList(deps, caller.caller, query);
  } else if (route.operation === 'messages') {
    result = handleMessages(deps, caller.caller, conversationId!, query);
  } else {
    result = handleContext(deps, caller.caller, conversationId!);
  }
  if (!result.ok) {
    deps.logger.info('dynamics sandbox: call rejected', {
      operation: route.operation,
      status: result.problem.status,
      errorCode: result.problem.errorCode,
    });
    return sendProblem(res, result.problem, path);
  }
  return sendOk(res, result.body);
}

async function readJson(
  req: IncomingMessage,
  requireJsonContentType: boolean,
): Promise<{ ok: true; value: unknown } | { ok: false; problem: Problem }> {
  let raw: Buffer;
  try {
    raw = await readBody(req, MAX_BODY_BYTES);
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error;
    const problem = { status: 413, title: 'Payload Too Large', detail: 'The body is too large.' };
    return { ok: false, problem: { ...problem, headers: { Connection: 'close' } } };
  }
  if (raw.length === 0) return { ok: false, problem: badInput(30012, 'The request body is missing.') };
  if (requireJsonContentType && !isJsonContentType(req.headers['content-type'])) {
    return { ok: false, problem: badInput(30012, 'The request body must be sent as application/json.') };
  }
  try {
    return { ok: true, value: JSON.parse(raw.toString('utf8')) };
  } catch {
    return { ok: false, problem: badInput(30012, 'The request body is not valid JSON.') };
  }
}
