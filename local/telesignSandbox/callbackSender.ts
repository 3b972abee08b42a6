/**
 * Delivers one signed callback with Telesign's retry policy: any answer other than 200 is retried, three tries in
 * all (docs/telesign-protocol.md §Retries documents this for inbound SMS; the sandbox applies it to delivery
 * reports too).
 */
import type { Logger } from '../../shared/log';
import { type Lifecycle, SandboxStoppedError } from '../sandboxRuntime/lifecycle';
import { callbackHeaders } from './callbackSigning';
import { postOnce } from './httpPost';

export interface CallbackTarget {
  url: string;
  apiKey: string;
}

export interface CallbackDelivery {
  /** Status of the first try (0 = no answer); rejects only if the sandbox stops first. */
  first: Promise<number>;
  /** True once a try got 200; false after the last failed try or on stop. Never rejects. */
  delivered: Promise<boolean>;
}

export class CallbackSender {
  constructor(
    private readonly lifecycle: Lifecycle,
    private readonly retryDelaysMs: readonly [number, number],
    private readonly logger: Logger,
    /** Looked up at every try: the URL may be set late and the key rotated between tries. */
    private readonly targetFor: (customerId: string) => CallbackTarget | undefined,
  ) {}

  send(customerId: string, payload: unknown, label: { kind: string; referenceId: string }): CallbackDelivery {
    const body = Buffer.from(JSON.stringify(payload), 'utf8');
    let settleFirst!: (status: number) => void;
    let failFirst!: (error: unknown) => void;
    const first = new Promise<number>((resolve, reject) => {
      settleFirst = resolve;
      failFirst = reject;
    });
    // Delivery reports never await `first`: mark it handled so a stop() does not raise an unhandled rejection.
    first.catch(() => undefined);

    const delivered = this.tries(customerId, body, label, settleFirst).catch((error: unknown) => {
      failFirst(error instanceof SandboxStoppedError ? error : this.lifecycle.stoppedError());
      return false;
    });
    return { first, delivered };
  }

  private async tries(
    customerId: string,
    body: Buffer,
    label: { kind: string; referenceId: string },
    onFirst: (status: number) => void,
  ): Promise<boolean> {
    const delays = [0, ...this.retryDelaysMs];
    for (let attempt = 1; attempt <= delays.length; attempt++) {
      if (attempt > 1) await this.lifecycle.sleep(delays[attempt - 1]);
      const target = this.targetFor(customerId);
      const status = target
        ? await postOnce(target.url, callbackHeaders(customerId, target.apiKey, body), body, this.lifecycle.signal)
        : 0;
      if (this.lifecycle.stopped) throw this.lifecycle.stoppedError();
      if (attempt === 1) onFirst(status);
      this.logger.info('telesign sandbox: callback try', { ...label, attempt, status });
      if (status === 200) return true;
    }
    this.logger.warn('telesign sandbox: callback given up', { ...label });
    return false;
  }
}
