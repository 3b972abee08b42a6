/**
 * Dynamics sandbox: a local stand-in for the Dynamics 365 Contact Center Messaging API and for the Entra token
 * endpoint in front of it (both unreachable here), written from the protocol alone (docs/dynamics-protocol.md §7) and
 * sharing no code with our Dynamics client, so that a client bug cannot hide behind the same bug in the sandbox.
 *
 * Entra routes (docs/dynamics-protocol.md §2):
 *   POST /{tenant}/oauth2/v2.0/token         client_credentials with client_secret or client_assertion; exact scope
 *   GET  /{tenant}/discovery/v2.0/keys       the JWKS of the sandbox's RS256 key (it signs the webhook tokens too)
 * Consumer routes (§3, §4), each with `Authorization: Bearer`, `channel-id` and `organization-id`:
 *   POST /api/v1.0/consumer/conversation/create            (also /conversations/create unless switched off)
 *   POST /api/v1.0/consumer/conversation/{id}              message | typing | endOfConversation | event
 *   GET  /api/v1.0/consumer/conversations                  active ones (Open, Active, Waiting), paged
 *   GET  /api/v1.0/consumer/conversation/{id}/messages     the transcript, paged
 *   GET  /api/v1.0/consumer/conversation/{id}/context      context variables
 *   Failures: RFC 7807 (`application/problem+json`) with `errorCode` 300xx and `x-ms-correlation-id`.
 * Webhook (§5): agent actions POST `{webhookUrl}/v3/conversations/{id}/activities` with a sandbox-signed bearer
 * token; 3 attempts (timeout 10 s each, backoff configurable), then dropped; every attempt recorded.
 * Control routes: `/_sandbox/…` (see controlApi.ts), mirrored by the methods of DynamicsSandbox.
 */
export { SandboxActionError } from './actionError';
export { DEFAULT_AGENT } from './agent';
export { CLIENT_ASSERTION_TYPE, SANDBOX_IDENTITY, TOKEN_EXCHANGE_AUDIENCE } from './defaults';
export type { Logger } from './log';
export { DynamicsSandbox } from './sandbox';
export type * from './types';
