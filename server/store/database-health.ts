import pg from 'pg';
import { DatabaseUnavailableError, isDatabaseUnavailable } from './database-errors.js';
import { connectionTimeouts } from './pool.js';

export interface DatabaseStatus {
  readonly ok: boolean;
  /** ISO time of the last change between available and unavailable. */
  readonly since: string;
  /** Why it is unavailable (the last failure's message), when it is. */
  readonly reason?: string;
}

export interface DatabaseHealthOptions {
  /** Probe period while the database answers. @default 2000 */
  readonly probeEveryMs?: number;
  /** Probe period while it does not: recovery is noticed this fast. @default 500 */
  readonly probeWhileDownMs?: number;
  /** A probe not answered in this time means unavailable (a frozen server). @default 2000 */
  readonly probeTimeoutMs?: number;
  /** Told on each change (true: available again). */
  readonly onChange?: (available: boolean, status: DatabaseStatus) => void;
}

/**
 * Whether the database answers, from a probe on its own connection (`SELECT 1` every 2 s, every
 * 0.5 s while down) and from the failures that requests report. While it is unavailable the
 * planes answer 503 + Retry-After at once instead of queueing work that cannot commit,
 * /healthz and /readyz say so, and the first probe that succeeds restores service: no restart.
 */
export class DatabaseHealth {
  private client: pg.Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private probing = false;
  private stopped = false;
  private availableNow = true;
  private sinceMs = Date.now();
  private reason: string | undefined;
  private readonly probeEveryMs: number;
  private readonly probeWhileDownMs: number;
  private readonly probeTimeoutMs: number;

  constructor(
    private readonly url: string,
    private readonly options: DatabaseHealthOptions = {},
  ) {
    this.probeEveryMs = options.probeEveryMs ?? 2_000;
    this.probeWhileDownMs = options.probeWhileDownMs ?? 500;
    this.probeTimeoutMs = options.probeTimeoutMs ?? 2_000;
  }

  get available(): boolean {
    return this.availableNow;
  }

  status(): DatabaseStatus {
    return {
      ok: this.availableNow,
      since: new Date(this.sinceMs).toISOString(),
      ...(this.reason && !this.availableNow ? { reason: this.reason } : {}),
    };
  }

  /** Throws DatabaseUnavailableError while unavailable: the fast 503 for new work. */
  assertAvailable(): void {
    if (!this.availableNow)
      throw new DatabaseUnavailableError(
        `the database is unavailable (${this.reason ?? 'not answering'})`,
      );
  }

  /** A request saw this error: if it means the database is away, say so now and probe. */
  noteFailure(error: unknown): void {
    if (!isDatabaseUnavailable(error)) return;
    this.change(false, (error as Error).message);
    this.probeSoon(0);
  }

  start(): void {
    this.probeSoon(this.probeEveryMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.client?.end().catch(() => {});
    this.client = null;
  }

  private probeSoon(ms: number): void {
    if (this.stopped || this.probing) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.probe(), ms);
    this.timer.unref();
  }

  private async probe(): Promise<void> {
    this.timer = null;
    this.probing = true;
    try {
      if (!this.client) {
        const client = new pg.Client({
          connectionString: this.url,
          ...connectionTimeouts({
            connectionTimeoutMillis: this.probeTimeoutMs,
            queryTimeoutMillis: this.probeTimeoutMs,
            statementTimeoutMillis: this.probeTimeoutMs,
          }),
        });
        client.on('error', () => {});
        this.client = client;
        await client.connect();
      }
      await this.client.query('SELECT 1');
      this.change(true);
    } catch (error) {
      // A probe connection that failed once is not trusted again: the next probe makes a new one.
      const broken = this.client;
      this.client = null;
      void broken?.end().catch(() => {});
      this.change(false, (error as Error).message || String(error));
    } finally {
      this.probing = false;
      if (!this.stopped)
        this.probeSoon(this.availableNow ? this.probeEveryMs : this.probeWhileDownMs);
    }
  }

  private change(available: boolean, reason?: string): void {
    if (reason) this.reason = reason;
    if (available === this.availableNow) return;
    this.availableNow = available;
    this.sinceMs = Date.now();
    this.options.onChange?.(available, this.status());
  }
}
