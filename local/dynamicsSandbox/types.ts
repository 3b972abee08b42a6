/** Public shapes of the Dynamics sandbox. Others code against these names: keep them stable. */
import type { Logger } from './log';

export type ConversationState = 'Open' | 'Active' | 'Waiting' | 'Wrap-up' | 'Closed';

/** The five consumer routes, as fault filters name them. */
export type Operation = 'create' | 'activity' | 'list' | 'messages' | 'context';

/** A federated credential on the Entra app: which client assertions the token endpoint takes instead of a secret. */
export interface FederatedCredential {
  issuer: string;
  subject: string;
  /** Default `api://AzureADTokenExchange`, what a managed identity asks for when it feeds a federated credential. */
  audience?: string;
}

/** A confidential client the token endpoint knows (an Entra app registration). */
export interface SandboxApp {
  clientId: string;
  /** Absent: the app has no secret and can only use a client assertion. */
  clientSecret?: string;
  federatedCredentials?: FederatedCredential[];
}

/** An `msdyn_occustommessagingchannel` record. */
export interface SandboxChannel {
  channelId: string;
  /** `msdyn_appid`: the only app whose tokens may call the API for this channel. */
  appId: string;
  /** False: every call answers 400 30014 (no workstream). Default true. */
  linkedToWorkstream?: boolean;
  /** `msdyn_webhookurl`: a base URL, no query; `/v3/conversations/{id}/activities` is appended. */
  webhookUrl?: string;
}

export interface WebhookOptions {
  /** The `aud` of the tokens the dispatcher sends. Default `api://{appId}`. */
  audience?: string;
  /** The `iss` of those tokens. Default `https://login.microsoftonline.com/{tenantId}/v2.0`. */
  issuer?: string;
  /** Default 3600. */
  tokenLifetimeSeconds?: number;
  /** Per attempt. Default 10_000 ("Each retry allows a 10-second timeout"). */
  timeoutMs?: number;
  /** Waits before the 2nd and 3rd attempts (3 in all). Default [2_000, 4_000]. */
  retryDelaysMs?: [number, number];
  /** System events as the samples send them (`message` with a `name`), or as `event`. Default `message`. */
  eventType?: 'message' | 'event';
  /**
   * `sample`: events carry `from` as the samples do (none on AgentAccepted, `{id}` on the others); `agent`: every
   * event carries the agent's `{id, name}` when there is one. Default `sample`.
   */
  eventFrom?: 'sample' | 'agent';
  /** Add an `id` to every activity (the samples have none). Default false. */
  activityIds?: boolean;
  /** Only exactly 200 counts as delivered unless this is set (then any 2xx). Default false. */
  acceptAny2xx?: boolean;
  /** Out-of-order delivery: how long a held activity waits for the next one before it goes anyway. Default 1_000. */
  holdMs?: number;
}

export interface DynamicsSandboxOptions {
  /** 0 = a free port (default). */
  port?: number;
  /** Default 127.0.0.1: the control API has no auth, so it must stay local. */
  host?: string;
  tenantId?: string;
  organizationId?: string;
  /** Default: one app with a client secret and a federated credential for `SANDBOX_IDENTITY.managedIdentityId`. */
  apps?: SandboxApp[];
  /** Default: one channel of the first app. */
  channels?: SandboxChannel[];
  /** The exact scope the token endpoint accepts. Default `https://{org id without dashes}-c.crm.dynamics.com/.default`. */
  scope?: string;
  /** `expires_in` of access tokens. Default 3599. */
  accessTokenLifetimeSeconds?: number;
  /** Also take the pre-GA `x-ms-channel-id` / `x-ms-organization-id` headers. Default false. */
  acceptLegacyHeaders?: boolean;
  /** Also serve create under the pre-2026 plural path `/conversations/create`. Default true. */
  pluralCreateAlias?: boolean;
  /** POST bodies must be `application/json`. Default true. */
  requireJsonContentType?: boolean;
  /** States in which the customer may post; a message in Waiting revives it to Open. Default Open, Active, Waiting. */
  postableStates?: ConversationState[];
  /** Context is eventually consistent: GET context answers an empty list for this long after create. Default 0. */
  contextDelayMs?: number;
  /** After End, how long Wrap-up lasts before Closed (and ConversationClosed); null = until `close`. Default 0. */
  wrapUpCloseMs?: number | null;
  webhook?: WebhookOptions;
  /** A signing key of its own; by default sandboxes of one process share one (an RSA key is slow to make). */
  freshSigningKey?: boolean;
  /** Seeds the probability faults, so a load test fails the same calls on every run. */
  seed?: number;
  /** Default: silent. Lines never carry tokens, secrets or full phone numbers. */
  logger?: Logger;
}

/** What a client needs to talk to the sandbox (the secret only through the programmatic handle). */
export interface SandboxSettings {
  url: string;
  /** Base of the consumer API: `{apiBaseUrl}/api/v1.0/consumer/…`. */
  apiBaseUrl: string;
  /** Stands in for `https://login.microsoftonline.com`. */
  authorityHost: string;
  tokenUrl: string;
  jwksUrl: string;
  tenantId: string;
  organizationId: string;
  channelId: string;
  appId: string;
  scope: string;
  webhookIssuer: string;
  webhookAudience: string;
}

export interface AgentRef {
  id: string;
  name: string;
}

export type CustomerActivityKind = 'message' | 'typing' | 'endOfConversation' | 'read' | 'customEvent';

/** One accepted POST /conversation/{id}, as the customer side sent it. */
export interface CustomerActivity {
  kind: CustomerActivityKind;
  receivedAt: string;
  /** For messages and custom events: the id the sandbox answered. */
  messageId?: string;
  activity: Record<string, unknown>;
}

/** One line of the transcript GET /messages serves. */
export interface TranscriptMessage {
  messageId: string;
  timestamp: string;
  sender: 'customer' | 'agent';
  text?: string;
  attachments: Array<Record<string, unknown>>;
  from: Record<string, unknown>;
  channelData: Record<string, unknown>;
  automated: boolean;
}

export interface StateChange {
  at: string;
  state: ConversationState;
  cause: string;
}

export interface ConversationView {
  conversationId: string;
  channelId: string;
  state: ConversationState;
  createdAt: string;
  customerContext: Record<string, string>;
  conversationContext: Record<string, unknown>;
  conversationRequestId?: string;
  skipDeflectionBot?: boolean;
  agent?: AgentRef;
  customerActivities: CustomerActivity[];
  messages: TranscriptMessage[];
  history: StateChange[];
  /** Id of the newest agent message the customer side marked read. */
  readUpTo?: string;
}

/** A consumer-API fault, played instead of (or, for latency alone, before) the real answer. */
export interface ConsumerFault {
  status?: 429 | 500 | 503;
  /** Sent as `Retry-After` (seconds). */
  retryAfterSeconds?: number;
  /** Waits this long first; alone, the request is then answered normally. */
  latencyMs?: number;
  /** Never answers (until stop). */
  hang?: boolean;
  /** Closes the socket without an answer. */
  dropConnection?: boolean;
  /** How many calls get it. Default 1. */
  count?: number;
  /** Only calls of this route get it; others pass it by. */
  operation?: Operation;
}

/** A share of consumer calls answered with one of `statuses` (picked evenly), until cleared. */
export interface FaultRate {
  rate: number;
  statuses: Array<429 | 500 | 503>;
  /** For 429 and 503. Default 1. */
  retryAfterSeconds?: number;
  /** Added to every faulted call. */
  latencyMs?: number;
  /** Default all five. */
  operations?: Operation[];
}

/** `next`: the next N deliveries (attempts, for missingAuth); `rate`: the probability for every later one. */
export interface FaultSwitch {
  next?: number;
  rate?: number;
}

export interface WebhookFaults {
  duplicate?: FaultSwitch;
  outOfOrder?: FaultSwitch;
  missingAuth?: FaultSwitch;
}

export type AttemptOutcome = 'ok' | 'http_error' | 'timeout' | 'network_error' | 'no_url';

export interface WebhookAttempt {
  deliveryId: string;
  conversationId: string;
  attempt: number;
  url: string;
  startedAt: string;
  durationMs: number;
  /** 0 = no answer. */
  status: number;
  outcome: AttemptOutcome;
  /** Whether the attempt carried a bearer token (the token itself is never kept). */
  authorization: boolean;
  activityType: string;
  activityName?: string;
}

export type DeliveryState = 'queued' | 'held' | 'sending' | 'delivered' | 'dropped';

export interface WebhookDelivery {
  deliveryId: string;
  conversationId: string;
  activity: Record<string, unknown>;
  /** Set on the second copy the duplicate switch sends. */
  duplicateOf?: string;
  /** Held back by the out-of-order switch so that the next activity overtook it. */
  heldBack: boolean;
  state: DeliveryState;
  enqueuedAt: string;
  attempts: WebhookAttempt[];
}

/** What an agent action did: the conversation after it, and the webhook deliveries it queued. */
export interface ActionResult {
  conversation: ConversationView;
  deliveryIds: string[];
}

export interface TransferInput {
  to: 'agent' | 'queue';
  /** The agent taking over (transfer to an agent). */
  agent?: Partial<AgentRef>;
  /** Default `accepted`; `failed` sends the Failed event and changes nothing. */
  outcome?: 'accepted' | 'failed';
}

export interface AttachmentInput {
  contentUrl: string;
  name: string;
  /** Default from the name's extension, else application/octet-stream. */
  contentType?: string;
}

/** Claim overrides for tokens a test mints to probe a verifier. */
export interface TokenOverrides {
  /** Negative: already expired. */
  expiresInSeconds?: number;
  audience?: string;
  issuer?: string;
  tenantId?: string;
  appId?: string;
}
