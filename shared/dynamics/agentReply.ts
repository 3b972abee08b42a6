import { splitForSms } from '../domain/splitText';
import type { AgentAttachment } from './activity';
import { markdownToPlainText } from './plainText';

/**
 * The SMS parts an agent's message becomes, in order: its text as plain text, then one line per attachment.
 * Whether an attachment URL is public, and for how long, is not documented (docs/dynamics-protocol.md §7), so the
 * organisation chooses between sending the link and only telling the customer a file was sent.
 */
export interface AgentReplyOptions {
  attachments: 'link' | 'notice';
  /** Longest part; the provider's 1,600 by default. */
  maxLength?: number;
}

export function agentReplyParts(
  message: { text: string; textFormat?: string; attachments: AgentAttachment[] },
  options: AgentReplyOptions,
): string[] {
  // Dynamics sends `textFormat: "markdown"`; only text declared plain is left as the agent typed it.
  const body = message.textFormat?.toLowerCase() === 'plain' ? message.text.trim() : markdownToPlainText(message.text);
  const lines = message.attachments.map((a) => attachmentLine(a, options.attachments));
  const text = [body, ...lines].filter(Boolean).join('\n');
  return splitForSms(text, options.maxLength);
}

function attachmentLine(attachment: AgentAttachment, policy: AgentReplyOptions['attachments']): string {
  const name = attachment.name?.trim() || 'a file';
  return policy === 'link' ? `${name}: ${attachment.contentUrl}` : `(The agent sent ${name}, which SMS cannot carry.)`;
}
