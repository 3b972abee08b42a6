import type { EventContext, Message } from 'rhea';

import { amqpError, Condition, statusOf } from './conditions';
import { type Body, type Operation, type Outcome } from './managementOutcome';
import type { Namespace } from './namespace';
import type { ReplyRouter } from './replyRouter';
import { scheduleOperations } from './scheduleOperations';
import { storeOperations } from './storeOperations';

const operations: Record<string, Operation> = { ...storeOperations, ...scheduleOperations };

/** The `<entity>/$management` node: one request message in, one response on reply_to. */
export function answerManagementRequest(context: EventContext, namespace: Namespace, replies: ReplyRouter): void {
  context.delivery?.accept();
  const request = context.message as Message | undefined;
  if (!request) return;
  const operationName = String(request.application_properties?.operation ?? '');
  const node = namespace.node(context.receiver?.target?.address);
  const operation = operations[operationName];
  let outcome: Outcome;
  if (!node)
    outcome = {
      error: amqpError(Condition.notFound, `no messaging entity at '${String(context.receiver?.target?.address)}'`),
    };
  else if (!operation)
    outcome = {
      error: amqpError(
        Condition.notImplemented,
        `operation '${operationName}' is not supported by the embedded broker`,
      ),
    };
  else outcome = safely(() => operation(node, (request.body ?? {}) as Body));
  replies.reply(request.reply_to, response(request, outcome));
}

function safely(run: () => Outcome): Outcome {
  try {
    return run();
  } catch (err) {
    return { error: amqpError(Condition.argumentError, err instanceof Error ? err.message : String(err)) };
  }
}

function response(request: Message, outcome: Outcome): Message {
  const properties: Record<string, unknown> =
    'error' in outcome
      ? {
          statusCode: statusOf[outcome.error.condition],
          statusDescription: outcome.error.description,
          errorCondition: outcome.error.condition,
        }
      : { statusCode: outcome.status, statusDescription: outcome.status === 204 ? 'No Content' : 'OK' };
  return {
    correlation_id: request.message_id,
    to: request.reply_to,
    application_properties: properties,
    body: 'error' in outcome ? undefined : outcome.body,
  };
}
