/** Wires the parts into the DynamicsSandbox class: one HTTP server for the Entra routes, the consumer API and the control API. */
import type { IncomingMessage, ServerResponse } from 'node:http';

import { sendJson, splitUrl } from '../sandboxRuntime/httpServer';
import { SandboxStoppedError } from '../sandboxRuntime/lifecycle';
import { SandboxRuntime } from '../sandboxRuntime/runtime';
import { SandboxActionError } from './actionError';
import { AgentActions } from './agent';
import { handleConsumer } from './consumerApi';
import { CONSUMER_PREFIX } from './consumerRoutes';
import { CONTROL_PREFIX, handleControl } from './controlApi';
import { ConversationStore, viewOf } from './conversationStore';
import { checkedWebhookUrl, resolveConfig, type ResolvedChannel, resolveWebhook, type SandboxConfig } from './defaults';
import type { ConversationDeps, ListCursor } from './deps';
import { ConsumerFaults } from './faults';
import { MessageClock } from './ids';
import { type Logger, silentLogger } from './log';
import { randomSource } from './random';
import { SigningKey } from './signingKey';
import { handleEntra, isEntraPath } from './tokenEndpoint';
import { tokenClaims } from './tokens';
import type {
  ActionResult,
  AgentRef,
  AttachmentInput,
  ConsumerFault,
  ConversationView,
  DynamicsSandboxOptions,
  FaultRate,
  SandboxSettings,
  TokenOverrides,
  TransferInput,
  WebhookAttempt,
  WebhookDelivery,
  WebhookFaults,
  WebhookOptions,
} from './types';
import { WebhookDispatcher } from './webhookDispatcher';

export class DynamicsSandbox {
  private readonly config: SandboxConfig;
  private readonly logger: Logger;
  private readonly runtime: SandboxRuntime;
  private readonly store = new ConversationStore();
  private readonly clock = new MessageClock();
  private readonly consumerFaults: ConsumerFaults;
  private readonly dispatcher: WebhookDispatcher;
  private readonly agent: AgentActions;
  private readonly consumerDeps: ConversationDeps;
  private readonly listCursors = new Map<string, ListCursor>();

  private constructor(
    options: DynamicsSandboxOptions,
    private readonly key: SigningKey,
  ) {
    this.config = resolveConfig(options);
    this.logger = options.logger ?? silentLogger;
    this.runtime = new SandboxRuntime('Dynamics', this.logger);
    const random = randomSource(options.seed);
    this.consumerFaults = new ConsumerFaults(random);
    this.dispatcher = new WebhookDispatcher({
      lifecycle: this.runtime.lifecycle,
      logger: this.logger,
      random,
      settings: () => this.config.webhook,
      baseUrlFor: (channelId) => this.channel(channelId).webhookUrl,
      tokenFor: (channelId) => this.key.sign(tokenClaims('webhook', this.config, this.channel(channelId).appId)),
    });
    this.agent = new AgentActions({
      config: this.config,
      store: this.store,
      clock: this.clock,
      dispatcher: this.dispatcher,
      lifecycle: this.runtime.lifecycle,
      logger: this.logger,
    });
    this.consumerDeps = {
      config: this.config,
      key: this.key,
      store: this.store,
      clock: this.clock,
      faults: this.consumerFaults,
      lifecycle: this.runtime.lifecycle,
      logger: this.logger,
      listCursors: this.listCursors,
      onCustomerEnded: (conversationId) => this.agent.customerEnded(conversationId),
    };
  }

  static async start(options: DynamicsSandboxOptions = {}): Promise<DynamicsSandbox> {
    const key = options.freshSigningKey ? await SigningKey.create() : await SigningKey.forProcess();
    const sandbox = new DynamicsSandbox(options, key);
    await sandbox.runtime.listen(options, (req, res) => sandbox.route(req, res), {
      error: 'sandbox_internal_error',
      message: 'Sandbox internal error.',
    });
    return sandbox;
  }

  get url(): string {
    return this.runtime.url;
  }

  /** Everything a client needs, for the first channel. */
  settings(): SandboxSettings {
    const channel = this.config.channels[0];
    return {
      url: this.url,
      apiBaseUrl: this.url,
      authorityHost: this.url,
      tokenUrl: `${this.url}/${this.config.tenantId}/oauth2/v2.0/token`,
      jwksUrl: `${this.url}/${this.config.tenantId}/discovery/v2.0/keys`,
      tenantId: this.config.tenantId,
      organizationId: this.config.organizationId,
      channelId: channel.channelId,
      appId: channel.appId,
      scope: this.config.scope,
      webhookIssuer: this.config.webhook.issuer,
      webhookAudience: this.config.webhook.audience ?? `api://${channel.appId}`,
    };
  }

  /** The client secret of an app (default: the first). Only here, never over HTTP. */
  clientSecret(clientId = this.config.apps[0].clientId): string | undefined {
    return this.config.apps.find((a) => a.clientId === clientId)?.clientSecret;
  }

  // --- conversations and the agent -----------------------------------------------------------------------------

  conversations(): ConversationView[] {
    return this.store.all().map(viewOf);
  }

  conversation(ref: string): ConversationView {
    return viewOf(this.store.resolve(ref));
  }

  accept(ref: string, agent?: Partial<AgentRef>): ActionResult {
    return this.agent.accept(ref, agent);
  }

  reply(ref: string, text: string): ActionResult {
    return this.agent.reply(ref, text);
  }

  sendAttachment(ref: string, attachment: AttachmentInput): ActionResult {
    return this.agent.sendAttachment(ref, attachment);
  }

  typing(ref: string): ActionResult {
    return this.agent.typing(ref);
  }

  setWaiting(ref: string): ActionResult {
    return this.agent.setWaiting(ref);
  }

  end(ref: string): ActionResult {
    return this.agent.end(ref);
  }

  close(ref: string): ActionResult {
    return this.agent.close(ref);
  }

  forceClose(ref: string): ActionResult {
    return this.agent.forceClose(ref);
  }

  timeout(ref: string, eventName?: string | null): ActionResult {
    return this.agent.timeout(ref, eventName === undefined ? 'ConversationClosed' : eventName);
  }

  transfer(ref: string, input: TransferInput): ActionResult {
    return this.agent.transfer(ref, input);
  }

  sendEvent(ref: string, name: string): ActionResult {
    return this.agent.sendEvent(ref, name);
  }

  // --- webhook -------------------------------------------------------------------------------------------------

  /** Sets `msdyn_webhookurl` of a channel (default: every channel). */
  setWebhookUrl(url: string, channelId?: string): void {
    const checked = this.settingOrThrow(() => checkedWebhookUrl(url));
    for (const channel of this.channelsNamed(channelId)) channel.webhookUrl = checked;
  }

  configureWebhook(options: WebhookOptions & { url?: string; channelId?: string }): void {
    const { url, channelId, ...webhook } = options;
    if (url !== undefined) this.setWebhookUrl(url, channelId);
    this.config.webhook = resolveWebhook(this.config.tenantId, webhook, this.config.webhook);
  }

  webhookDeliveries(): WebhookDelivery[] {
    return this.dispatcher.list();
  }

  webhookAttempts(): WebhookAttempt[] {
    return this.dispatcher.attempts();
  }

  webhookFaults(): WebhookFaults {
    return this.dispatcher.faults();
  }

  setWebhookFaults(faults: WebhookFaults): void {
    this.settingOrThrow(() => this.dispatcher.setFaults(faults));
  }

  /** Resolves once no webhook delivery is queued, held back or being sent. */
  webhookIdle(): Promise<void> {
    return this.dispatcher.idle();
  }

  // --- faults, channel, tokens -----------------------------------------------------------------------------------

  faults(): { queued: ConsumerFault[]; rate: FaultRate | null } {
    return this.consumerFaults.state();
  }

  injectFaults(faults: ConsumerFault[]): void {
    this.settingOrThrow(() => this.consumerFaults.push(faults));
  }

  setFaultRate(rate: FaultRate | null): void {
    this.settingOrThrow(() => this.consumerFaults.setRate(rate));
  }

  clearFaults(): void {
    this.consumerFaults.clear();
  }

  /** Toggles "attached to a workstream" (false: every call answers 400 30014). */
  setWorkstreamLinked(linked: boolean, channelId?: string): void {
    for (const channel of this.channelsNamed(channelId)) channel.linkedToWorkstream = linked;
  }

  /** An access token as the token endpoint would issue it to the channel's app, with claims overridden. */
  mintAccessToken(overrides: TokenOverrides = {}): Promise<string> {
    return this.key.sign(tokenClaims('access', this.config, this.config.channels[0].appId, overrides));
  }

  /** A webhook token as the dispatcher signs it, with claims overridden: for probing our webhook's checks. */
  mintWebhookToken(overrides: TokenOverrides = {}): Promise<string> {
    return this.key.sign(tokenClaims('webhook', this.config, this.config.channels[0].appId, overrides));
  }

  /** Forgets conversations, deliveries, attempts and faults; keeps settings, webhook URLs and the signing key. */
  reset(): void {
    this.store.clear();
    this.listCursors.clear();
    this.dispatcher.reset();
    this.consumerFaults.clear();
  }

  /** Cancels pending deliveries, retries and timers, and closes every connection, hung ones included. Idempotent. */
  stop(): Promise<void> {
    return this.runtime.stop(() => this.dispatcher.stopped());
  }

  // --- plumbing ------------------------------------------------------------------------------------------------

  private channel(channelId: string): ResolvedChannel {
    return this.config.channels.find((c) => c.channelId === channelId)!;
  }

  private channelsNamed(channelId: string | undefined): ResolvedChannel[] {
    if (channelId === undefined) return this.config.channels;
    const found = this.config.channels.filter((c) => c.channelId === channelId.toLowerCase());
    if (found.length === 0) throw new SandboxActionError(400, 'unknown_channel', `No channel ${channelId}.`);
    return found;
  }

  /** A setting the caller got wrong is a 400 for the control API and a plain throw for a test. */
  private settingOrThrow<T>(run: () => T): T {
    try {
      return run();
    } catch (error) {
      if (error instanceof SandboxActionError) throw error;
      throw new SandboxActionError(400, 'invalid_setting', error instanceof Error ? error.message : String(error));
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { path, query } = splitUrl(req);
    try {
      if (path.startsWith(CONTROL_PREFIX)) return await handleControl(this, req, res, path, query);
      if (path.startsWith(CONSUMER_PREFIX)) return await handleConsumer(this.consumerDeps, req, res, path, query);
      if (isEntraPath(path))
        return await handleEntra({ config: this.config, key: this.key, logger: this.logger }, req, res, path);
    } catch (error) {
      // A request still waiting (latency, hang) when the sandbox stops: its socket is being closed anyway.
      if (error instanceof SandboxStoppedError) return;
      throw error;
    }
    return sendJson(res, 404, { error: 'not_found', message: `Nothing at ${path}.` });
  }
}
