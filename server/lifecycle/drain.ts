import type { Http2SecureServer, Http2Session, ServerHttp2Session } from 'node:http2';

/**
 * A node taken out of rotation for maintenance (a rolling upgrade): from `start()` on, new
 * replications are refused with 503 + Retry-After (another node behind the balancer takes
 * them), the ones already admitted finish and are answered, the health routes say
 * `draining` so the balancer stops routing here, and `idle` resolves when nothing is in
 * flight. It knows nothing about HTTP frameworks: one admission check (`admit()` / `done()`)
 * around each replication, wherever the listener's hot route lives.
 */
export class Drain {
  private inFlightCount = 0;
  private startedAtMs: number | null = null;
  private idleWaiters: (() => void)[] = [];
  private readonly sessions = new Set<ServerHttp2Session>();
  /** Last time someone still came here while draining (a refusal or a new session). */
  private lastArrivalMs = 0;

  constructor(
    /** Seconds an agent refused while draining waits before it comes back (through the balancer). */
    readonly retryAfterSeconds = DRAIN_RETRY_AFTER_SECONDS,
  ) {}

  get draining(): boolean {
    return this.startedAtMs !== null;
  }

  /** Replications admitted and not answered yet. */
  get inFlight(): number {
    return this.inFlightCount;
  }

  /** What the health routes and the console show. */
  status(): DrainStatus {
    return this.startedAtMs === null
      ? { draining: false }
      : {
          draining: true,
          since: new Date(this.startedAtMs).toISOString(),
          inFlight: this.inFlightCount,
        };
  }

  /**
   * One replication asks in. true: admitted, and the caller must call `done()` exactly once
   * when it has been answered (or failed). false: refuse it (503 + Retry-After).
   */
  admit(): boolean {
    if (this.startedAtMs !== null) {
      this.lastArrivalMs = Date.now();
      return false;
    }
    this.inFlightCount++;
    return true;
  }

  done(): void {
    if (this.inFlightCount === 0) return;
    this.inFlightCount--;
    if (this.inFlightCount === 0 && this.startedAtMs !== null) this.wake();
  }

  /**
   * Tracks the listener's HTTP/2 sessions, so that `start()` can tell each agent to go
   * (GOAWAY): its streams in flight finish, its next replication opens a new connection, and
   * the balancer sends that one to another node. Without it an idle persistent session would
   * come back here and only meet the 503.
   */
  watch(
    server:
      | Http2SecureServer
      | { on(event: 'session', fn: (s: ServerHttp2Session) => void): unknown },
  ): void {
    server.on('session', (session: ServerHttp2Session) => {
      // A session that arrives while draining is left open: its first request meets the 503
      // (with the protocol's body), and the admission check sends GOAWAY after that answer.
      if (this.startedAtMs !== null) {
        this.lastArrivalMs = Date.now();
        return;
      }
      this.sessions.add(session);
      session.once('close', () => this.sessions.delete(session));
    });
  }

  /** Begins the drain (again: no-op) and resolves when no admitted replication is left. */
  start(): Promise<void> {
    if (this.startedAtMs === null) {
      this.startedAtMs = Date.now();
      for (const session of this.sessions) goAway(session);
      this.sessions.clear();
    }
    return this.idle();
  }

  /**
   * Starts the drain and resolves once it is safe to exit: nothing in flight and nobody has
   * come for `quietMs` (the balancer has taken this node out: new connections would show), or
   * when `boundMs` is up, whichever is first. `inFlight` > 0 in the answer: the bound cut
   * replications short (they were not acknowledged, so their agents send them again).
   */
  async settle(options: {
    quietMs: number;
    boundMs: number;
  }): Promise<{ ms: number; inFlight: number; timedOut: boolean }> {
    const started = Date.now();
    void this.start();
    this.lastArrivalMs = Math.max(this.lastArrivalMs, started);
    return new Promise((resolve) => {
      const check = () => {
        const now = Date.now();
        const quiet = this.inFlightCount === 0 && now - this.lastArrivalMs >= options.quietMs;
        const timedOut = now - started >= options.boundMs;
        if (quiet || timedOut) {
          clearInterval(timer);
          resolve({ ms: now - started, inFlight: this.inFlightCount, timedOut: !quiet });
        }
      };
      const timer = setInterval(check, SETTLE_CHECK_MS);
      check();
    });
  }

  /** Resolves when draining and nothing is in flight. */
  idle(): Promise<void> {
    if (this.startedAtMs !== null && this.inFlightCount === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private wake(): void {
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}

export type DrainStatus =
  | { readonly draining: false }
  | { readonly draining: true; readonly since: string; readonly inFlight: number };

/**
 * Ours: long enough that the balancer's next health probe (a second or two) has taken this
 * node out, short enough that an agent's logs wait seconds, not minutes.
 */
export const DRAIN_RETRY_AFTER_SECONDS = 2;

/**
 * Ours: how long nobody must arrive before a drained node concludes the balancer has taken it
 * out. Above a probe interval of our rehearsal's balancer (250 ms) with margin; a deployment's
 * load balancer (Azure: 5 s probes) is covered by the --drain bound and `smc serve`'s
 * `--drain-quiet`.
 */
export const DRAIN_QUIET_MS = 1_000;
const SETTLE_CHECK_MS = 50;

/** The body of a replication refused while draining (the protocol's error shape). */
export const DRAINING_ERROR = {
  code: 'SMC_UNAVAILABLE',
  message:
    'this server is draining for maintenance; retry after the given seconds (another node takes over)',
} as const;

/** Graceful GOAWAY: open streams finish, no new ones. A session already gone is left alone. */
export function goAway(
  session: Pick<Http2Session, 'closed' | 'destroyed' | 'close'> | undefined,
): void {
  if (!session || session.closed || session.destroyed) return;
  try {
    session.close();
  } catch {
    // Closed between the check and the call: nothing left to tell.
  }
}
