/** Wires the parts into the TelesignSandbox class: one HTTP server for Telesign's routes and the control API. */
import type { IncomingMessage, ServerResponse } from 'node:http';

import { type Logger, silentLogger } from '../../shared/log';
import { sendJson, splitUrl } from '../sandboxRuntime/httpServer';
import { SandboxRuntime } from '../sandboxRuntime/runtime';
import { Accounts } from './accounts';
import { inboundSmsPayload } from './callbackPayloads';
import { CallbackSender } from './callbackSender';
import { CONTROL_PREFIX, type ControlApiDeps, handleControl } from './controlApi';
import { describeFault, FaultQueue, FaultSwitch } from './faults';
import { MessageStore } from './messageStore';
import { NonceStore } from './nonceStore';
import { scheduleReports } from './reportScheduler';
import { handleTelesign, type TelesignApiDeps } from './telesignApi';
import { newReferenceId, notFoundBody } from './telesignBodies';
import type { Fault, InboundInput, InboundResult, SandboxOptions, SentMessage } from './types';

const DEFAULT_REPORT_DELAYS_MS: [number, number] = [20, 40];
const DEFAULT_DATE_TOLERANCE_MS = 15 * 60 * 1000;
const DEFAULT_CALLBACK_RETRY_DELAYS_MS: [number, number] = [10_000, 30_000];

export class TelesignSandbox {
  private readonly store = new MessageStore();
  private readonly faults = new FaultQueue();
  private readonly switchedFault = new FaultSwitch();
  private callbackUrl: string | undefined;
  private readonly accounts: Accounts;
  private readonly logger: Logger;
  private readonly runtime: SandboxRuntime;
  private readonly nonces: NonceStore;
  private readonly sender: CallbackSender;

  private constructor(private readonly options: SandboxOptions) {
    this.accounts = new Accounts(options.accounts);
    this.logger = options.logger ?? silentLogger;
    this.runtime = new SandboxRuntime('Telesign', this.logger);
    this.callbackUrl = options.callbackUrl ? checkedUrl(options.callbackUrl) : undefined;
    this.nonces = new NonceStore(2 * this.dateToleranceMs);
    this.sender = new CallbackSender(
      this.runtime.lifecycle,
      options.callbackRetryDelaysMs ?? DEFAULT_CALLBACK_RETRY_DELAYS_MS,
      this.logger,
      (customerId) => {
        const apiKey = this.accounts.apiKeyFor(customerId);
        return this.callbackUrl && apiKey ? { url: this.callbackUrl, apiKey } : undefined;
      },
    );
  }

  static async start(options: SandboxOptions): Promise<TelesignSandbox> {
    const sandbox = new TelesignSandbox(options);
    await sandbox.runtime.listen(options, (req, res) => sandbox.route(req, res), {
      errors: [{ code: -1, description: 'Sandbox internal error.' }],
    });
    return sandbox;
  }

  get url(): string {
    return this.runtime.url;
  }

  setCallbackUrl(url: string): void {
    this.callbackUrl = checkedUrl(url);
  }

  setApiKey(customerId: string, apiKey: string): void {
    this.accounts.set(customerId, apiKey);
  }

  sent(): SentMessage[] {
    return this.store.all();
  }

  injectFaults(faults: Fault[]): void {
    this.faults.push(faults);
  }

  /**
   * While `fault` is on, every request to Telesign's `/v1/` routes gets it (after any fault queued with
   * injectFaults); null switches it off. A hung request is closed by stop().
   */
  setFaultSwitch(fault: Fault | null): void {
    this.switchedFault.set(fault);
    this.logger.info('telesign sandbox: fault switch', { fault: fault === null ? 'off' : describeFault(fault) });
  }

  /** The fault switched on, or null. */
  faultSwitch(): Fault | null {
    return this.switchedFault.current();
  }

  async simulateInbound(input: InboundInput): Promise<InboundResult> {
    const customerId = input.customerId ?? this.accounts.firstCustomerId();
    if (this.accounts.apiKeyFor(customerId) === undefined) throw new Error(`unknown customer id ${customerId}`);
    if (!this.callbackUrl) throw new Error('no callback URL set: call setCallbackUrl first');
    const referenceId = newReferenceId();
    const payload = inboundSmsPayload({ referenceId, from: input.from, to: input.to, text: input.text });
    const callbackStatus = await this.sender.send(customerId, payload, { kind: 'mo_sms', referenceId }).first;
    return { referenceId, callbackStatus };
  }

  /** Cancels pending reports and retries, and closes every connection, hung ones included. Idempotent. */
  stop(): Promise<void> {
    return this.runtime.stop();
  }

  private get dateToleranceMs(): number {
    return this.options.dateToleranceMs ?? DEFAULT_DATE_TOLERANCE_MS;
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { path } = splitUrl(req);
    if (path.startsWith(CONTROL_PREFIX)) return handleControl(this.controlDeps, req, res, path);
    if (path.startsWith('/v1/')) return handleTelesign(this.telesignDeps, req, res, path);
    return sendJson(res, 404, notFoundBody('Resource not found.'));
  }

  private readonly controlDeps: ControlApiDeps = {
    sent: () => this.sent(),
    simulateInbound: (input) => this.simulateInbound(input),
    injectFaults: (faults) => this.injectFaults(faults),
    faultSwitch: () => this.faultSwitch(),
    setFaultSwitch: (fault) => this.setFaultSwitch(fault),
  };

  private get telesignDeps(): TelesignApiDeps {
    return {
      accounts: this.accounts,
      nonces: this.nonces,
      dateToleranceMs: this.dateToleranceMs,
      store: this.store,
      faults: this.faults,
      faultSwitch: this.switchedFault,
      logger: this.logger,
      onAccepted: (message) =>
        scheduleReports(
          {
            lifecycle: this.runtime.lifecycle,
            store: this.store,
            sender: this.sender,
            hasCallbackUrl: () => this.callbackUrl !== undefined,
            delaysMs: this.options.reportDelaysMs ?? DEFAULT_REPORT_DELAYS_MS,
          },
          message,
        ),
    };
  }
}

function checkedUrl(url: string): string {
  const parsed = new URL(url); // throws on a malformed URL, which is what a test wants to hear about at once
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('callback URL must be http(s)');
  return url;
}
