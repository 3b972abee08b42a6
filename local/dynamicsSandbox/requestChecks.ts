/**
 * The checks every consumer call passes before its route runs (docs/dynamics-protocol.md §2, §3.6, §7 item 3), in
 * this order (the real order is not documented): bearer token (401), `organization-id` and `channel-id` GUIDs
 * (400 30001/30002), the organization (401), the channel record (404 30004), the channel's app (401), the
 * workstream link (400 30014).
 */
import type { IncomingHttpHeaders } from 'node:http';

import type { ResolvedChannel, SandboxConfig } from './defaults';
import { isGuid } from './ids';
import { badInput, notFound, type Problem, unauthorized } from './problem';
import type { SigningKey } from './signingKey';
import { checkAccessToken } from './tokens';

export interface Caller {
  channel: ResolvedChannel;
  appId: string;
}

export type CallerCheck = { ok: true; caller: Caller } | { ok: false; problem: Problem; reason: string };

function header(headers: IncomingHttpHeaders, name: string, legacy: boolean): string | undefined {
  const value = headers[name] ?? (legacy ? headers[`x-ms-${name}`] : undefined);
  return Array.isArray(value) ? value[0] : value;
}

export async function checkCaller(
  key: SigningKey,
  config: SandboxConfig,
  headers: IncomingHttpHeaders,
): Promise<CallerCheck> {
  const token = await checkAccessToken(key, config, headers.authorization);
  if (!token.ok) return { ok: false, problem: unauthorized(token.reason), reason: token.reason };

  const organizationId = header(headers, 'organization-id', config.acceptLegacyHeaders);
  if (!isGuid(organizationId)) {
    const detail = 'The organization-id header is missing or is not a GUID.';
    return { ok: false, problem: badInput(30001, detail), reason: 'bad organization-id' };
  }
  const channelId = header(headers, 'channel-id', config.acceptLegacyHeaders);
  if (!isGuid(channelId)) {
    const detail = 'The channel-id header is missing or is not a GUID.';
    return { ok: false, problem: badInput(30002, detail), reason: 'bad channel-id' };
  }
  if (organizationId.toLowerCase() !== config.organizationId) {
    const detail = "The channel ID isn't authorized for the organization.";
    return { ok: false, problem: unauthorized(detail), reason: 'other organization' };
  }
  const channel = config.channels.find((c) => c.channelId === channelId.toLowerCase());
  if (!channel) {
    const detail = `The channel configuration ${channelId} doesn't exist.`;
    return { ok: false, problem: notFound(detail, 30004), reason: 'unknown channel' };
  }
  if (channel.appId.toLowerCase() !== token.appId.toLowerCase()) {
    const detail = "The token's application isn't the channel's application.";
    return { ok: false, problem: unauthorized(detail), reason: 'other app' };
  }
  if (!channel.linkedToWorkstream) {
    const detail = 'The channel is not linked to a workstream.';
    return { ok: false, problem: badInput(30014, detail), reason: 'no workstream' };
  }
  return { ok: true, caller: { channel, appId: token.appId } };
}
