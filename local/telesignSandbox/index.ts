/**
 * Telesign sandbox: a local stand-in for Telesign's SMS API (rest-api.telesign.com is unreachable here), written
 * from docs/telesign-protocol.md alone and sharing no code with our client, so that a client bug cannot hide
 * behind the same bug in the sandbox.
 *
 * Telesign routes (auth per docs/telesign-protocol.md §Request signing: TSA with Date window and one-time nonce,
 * or Basic):
 *   POST /v1/messaging                   form fields of §Messaging API; 200 + status 290, or 400 with its codes
 *   GET  /v1/messaging/{reference_id}    latest status of the reference; 404 when unknown
 * Control routes (no auth, local only, never under /v1/):
 *   POST /sandbox/inbound   {from, to, text, customerId?} -> {referenceId, callbackStatus}
 *   GET  /sandbox/messages  -> SentMessage[]
 *   POST /sandbox/faults    [{status: 429|500|503, retryAfterSeconds?} | {hang: true} | {dropConnection: true}]
 *                           one-shot: each is played on the next POST /v1/messaging, in order
 *   GET  /sandbox/fault-switch  -> {fault: null | <fault>}
 *   PUT  /sandbox/fault-switch  {fault: null | <fault>} -> {fault}; while on, every /v1/ request gets it (a queued
 *                           one-shot fault first); null switches it off
 *
 * Delivery reports are POSTed, signed per §Callback signature, to the callback URL; which ones depends on the
 * destination number (matched on its last four digits, so any country code works):
 *
 *   number        reports (after reportDelaysMs[0], then [1])   meaning
 *   anything else 203 Delivered to gateway, 200 Delivered to handset  delivered
 *   15555550111   203, then 211 Permanent phone error            failed
 *   15555550122   203, then 221 Message expired before delivery  expired
 *   15555550133   250 Final status unknown                       unknown
 *   15555550144   230 Message blocked by Telesign                blocked
 *   15555550155   none: the status stays 290 forever             report lost
 *
 * A callback answered with anything but 200 is tried again, three tries in all (callbackRetryDelaysMs).
 * simulateInbound() returns the status of the first try; further tries happen in the background.
 */
export { TelesignSandbox } from './sandbox';
export type { ReportStep, TestNumber } from './testNumbers';
export { defaultReports, sandboxTestNumbers } from './testNumbers';
export type {
  Fault,
  InboundInput,
  InboundResult,
  SandboxAccount,
  SandboxOptions,
  SentMessage,
  SentReport,
} from './types';
// For unit tests of the protocol itself (docs/telesign-protocol.md §Test vectors).
export { signCallbackBody } from './callbackSigning';
export type { AuthContext, AuthFailure, AuthRequest, AuthResult } from './requestAuth';
export { tsaSignature, tsaStringToSign, verifyRequestAuth } from './requestAuth';
