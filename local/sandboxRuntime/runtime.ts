/** What a sandbox runs on: its HTTP server and its lifecycle, started and stopped with the same log lines. */
import { HttpServer, type RequestHandler } from './httpServer';
import { Lifecycle } from './lifecycle';

/** Both sandboxes' loggers fit: the project's and the Dynamics sandbox's own. */
interface RuntimeLogger {
  info(message: string, props?: Record<string, unknown>): void;
  error(message: string, props?: Record<string, unknown>): void;
}

export interface ListenAddress {
  /** Default 127.0.0.1: the control routes have no auth. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
}

export class SandboxRuntime {
  readonly lifecycle: Lifecycle;
  private server!: HttpServer;
  private stopping: Promise<void> | undefined;

  /** `sandbox` as an error names it ("Telesign"); log lines say it in lower case. */
  constructor(
    private readonly sandbox: string,
    private readonly logger: RuntimeLogger,
  ) {
    this.lifecycle = new Lifecycle(sandbox);
  }

  async listen(address: ListenAddress, handler: RequestHandler, internalErrorBody: unknown): Promise<void> {
    this.server = await HttpServer.listen(
      address.host ?? '127.0.0.1',
      address.port ?? 0,
      handler,
      (error) =>
        this.logger.error(`${this.logName}: handler failed`, {
          error: error instanceof Error ? error.message : String(error),
        }),
      internalErrorBody,
    );
    this.logger.info(`${this.logName}: listening`, { url: this.url });
  }

  get url(): string {
    return this.server.url;
  }

  /** Cancels every timer and request (then whatever `alsoStop` does), and closes every connection. Idempotent. */
  stop(alsoStop: () => void = () => undefined): Promise<void> {
    this.stopping ??= (async () => {
      this.lifecycle.stop();
      alsoStop();
      await this.server.close();
      this.logger.info(`${this.logName}: stopped`);
    })();
    return this.stopping;
  }

  private get logName(): string {
    return `${this.sandbox.toLowerCase()} sandbox`;
  }
}
