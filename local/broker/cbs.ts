import type { EventContext, Message } from 'rhea';

import type { ReplyRouter } from './replyRouter';

/** Claims-based security: any token is accepted, the emulator way. */
export function answerPutToken(context: EventContext, replies: ReplyRouter): void {
  context.delivery?.accept();
  const request = context.message as Message | undefined;
  if (!request) return;
  const operation = request.application_properties?.operation;
  const ok = operation === 'put-token';
  const reply: Message = {
    body: undefined,
    correlation_id: request.message_id,
    to: request.reply_to,
    application_properties: {
      'status-code': ok ? 202 : 501,
      'status-description': ok ? 'Accepted' : `unsupported $cbs operation '${String(operation)}'`,
    },
  };
  replies.reply(request.reply_to, reply);
}
