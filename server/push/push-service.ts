import type pg from 'pg';
import type client from 'prom-client';
import { ExternalBroker, type ExternalBrokerOptions } from './external-broker.js';
import { PushBroker, type PushBrokerOptions } from './push-broker.js';
import type { PushTarget } from './push-target.js';
import { WakeupPublisher } from './wakeup-publisher.js';

export interface PushServiceOptions extends Omit<PushBrokerOptions, 'port'> {
  /** @default 8883 (0 picks a free port) */
  readonly port: number;
  readonly pool: pg.Pool;
  readonly registry: client.Registry;
  readonly log: (line: string) => void;
  /** Publish on the deployment's broker instead of running one here. @default embedded */
  readonly external?: ExternalBrokerOptions;
  /** A wake-up that could not be published (it costs only time: the agent comes at its interval). @default ignored */
  readonly onPublishError?: (error: unknown) => void;
}

/**
 * The push channel of one server node: the embedded broker and the publisher that feeds it.
 * The broker may be stopped and started again while the server runs (an outage, or an
 * operator); the agent plane never depends on it.
 */
export class PushService {
  readonly publisher: WakeupPublisher;
  private broker: PushTarget | null = null;
  /** The port of the first start, kept so a restart comes back where agents look for it. */
  private port: number;

  constructor(private readonly options: PushServiceOptions) {
    this.publisher = new WakeupPublisher(options.pool, options.registry);
    this.port = options.port;
  }

  /** Where agents subscribe (null while no broker runs here; an external one is always named). */
  get url(): string | null {
    if (this.options.external && this.broker) return this.broker.url;
    return this.broker?.running ? this.broker.url : null;
  }

  get sessions(): number {
    return this.broker?.running ? this.broker.sessions : 0;
  }

  /** Sessions a wake-up can reach now (subscribed to their own topic). */
  get subscribers(): number {
    return this.broker?.running ? this.broker.subscribers : 0;
  }

  async start(): Promise<void> {
    if (this.broker?.running) return;
    if (this.options.external) {
      this.broker = new ExternalBroker(this.options.external);
    } else {
      const broker = await PushBroker.start({ ...this.options, port: this.port });
      this.port = broker.port;
      this.broker = broker;
    }
    this.publisher.use(this.broker);
  }

  async stop(): Promise<void> {
    const broker = this.broker;
    this.publisher.use(null);
    this.broker = null;
    await broker?.stop();
  }

  /** Wake-ups for a new task; never throws (a lost wake-up costs only time). */
  taskCreated(taskId: string): void {
    this.publisher.taskCreated(taskId).catch(this.publishFailed);
  }

  policyChanged(): void {
    this.publisher.policyChanged().catch(this.publishFailed);
  }

  private readonly publishFailed = (error: unknown): void => this.options.onPublishError?.(error);
}
