/** AMQP error conditions, chosen so that @azure/core-amqp translates them to the matching ServiceBusError code. */
export const Condition = {
  notFound: 'amqp:not-found',
  notAllowed: 'amqp:not-allowed',
  notImplemented: 'amqp:not-implemented',
  internalError: 'amqp:internal-error',
  timeout: 'com.microsoft:timeout',
  messageLockLost: 'com.microsoft:message-lock-lost',
  messageNotFound: 'com.microsoft:message-not-found',
  sessionLockLost: 'com.microsoft:session-lock-lost',
  sessionCannotBeLocked: 'com.microsoft:session-cannot-be-locked',
  argumentError: 'com.microsoft:argument-error',
} as const;

export type ConditionName = (typeof Condition)[keyof typeof Condition];

export interface AmqpErrorInfo {
  condition: ConditionName;
  description: string;
}

export function amqpError(condition: ConditionName, description: string): AmqpErrorInfo {
  return { condition, description };
}

/** Management responses carry an HTTP-like status next to the condition. */
export const statusOf: Record<ConditionName, number> = {
  [Condition.notFound]: 404,
  [Condition.notAllowed]: 400,
  [Condition.notImplemented]: 501,
  [Condition.internalError]: 500,
  [Condition.timeout]: 408,
  [Condition.messageLockLost]: 410,
  [Condition.messageNotFound]: 404,
  [Condition.sessionLockLost]: 410,
  [Condition.sessionCannotBeLocked]: 410,
  [Condition.argumentError]: 400,
};
