import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2Session, Http2Stream } from 'node:http2';
import type { Server, Socket } from 'node:net';

/**
 * Connection limits for one TLS listener, kept outside fastify (they work on the Node server
 * underneath, HTTP/1.1 and HTTP/2 alike, so they stay when routes move to the core stream API):
 *
 * - a TLS handshake must finish in `handshakeTimeoutMs`;
 * - after it, a first request must start in `firstRequestTimeoutMs` (a peer that connects and
 *   sends nothing holds a descriptor for seconds, not forever);
 * - a connection with no request in flight is closed after `idleTimeoutMs` (HTTP/2: GOAWAY,
 *   then cut if the peer lingers), so idle agents cost nothing between replications;
 * - a request still unanswered after `requestTimeoutMs` (a body trickling in) cuts its connection;
 * - at most `maxConnections` on the listener and `maxConnectionsPerAddress` from one address
 *   (over either, the new connection is closed at once, before any TLS work).
 *
 * A sweep once a second applies the timeouts; the caps apply as connections arrive.
 */
export interface ConnectionLimits {
  /** @default 10000 */
  readonly handshakeTimeoutMs?: number;
  /** @default 10000 */
  readonly firstRequestTimeoutMs?: number;
  /** @default 120000 */
  readonly idleTimeoutMs?: number;
  /** @default 60000 */
  readonly requestTimeoutMs?: number;
  /** @default 20000 */
  readonly maxConnections?: number;
  /** @default 2000 */
  readonly maxConnectionsPerAddress?: number;
  /**
   * Addresses the per-address cap leaves alone. @default loopback: a local simulator or
   * rehearsal plays a whole fleet from 127.0.0.1, and a local peer is already on the host.
   */
  readonly uncappedAddress?: (address: string) => boolean;
  /** How often the timeouts are checked. @default 1000 */
  readonly sweepEveryMs?: number;
}

/**
 * Ours. A branch-office proxy carries up to ~1,000 agents (esmc-facts.md: the guide's advice
 * per proxy), so one address may need that many connections: twice that is the cap. 20,000
 * per listener stays under the descriptor limit of our machines (ulimit -n 20000 in CI) with
 * room for the other listeners and the database.
 */
export const DEFAULT_CONNECTION_LIMITS = {
  handshakeTimeoutMs: 10_000,
  firstRequestTimeoutMs: 10_000,
  idleTimeoutMs: 120_000,
  requestTimeoutMs: 60_000,
  maxConnections: 20_000,
  maxConnectionsPerAddress: 2_000,
  sweepEveryMs: 1_000,
} as const;

export interface ConnectionStats {
  readonly open: number;
  readonly refusedOverListenerCap: number;
  readonly refusedOverAddressCap: number;
  readonly closedHandshakeTimeout: number;
  readonly closedNoRequest: number;
  readonly closedIdle: number;
  readonly closedSlowRequest: number;
}

interface Tracked {
  readonly socket: Socket;
  readonly address: string;
  readonly openedAt: number;
  secured: boolean;
  session: Http2Session | null;
  requested: boolean;
  lastActivity: number;
  /** Requests in flight and when each started. */
  readonly requests: Map<object, number>;
  closing: boolean;
}

export function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1';
}

export class ConnectionHygiene {
  private readonly limits: Required<Omit<ConnectionLimits, 'uncappedAddress'>>;
  private readonly uncapped: (address: string) => boolean;
  private readonly byKey = new Map<string, Tracked>();
  private readonly perAddress = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;
  private readonly counts = {
    refusedOverListenerCap: 0,
    refusedOverAddressCap: 0,
    closedHandshakeTimeout: 0,
    closedNoRequest: 0,
    closedIdle: 0,
    closedSlowRequest: 0,
  };

  constructor(server: Server, limits: ConnectionLimits = {}) {
    this.limits = { ...DEFAULT_CONNECTION_LIMITS, ...stripUndefined(limits) };
    this.uncapped = limits.uncappedAddress ?? isLoopback;
    server.on('connection', (socket: Socket) => this.arrived(socket));
    server.on('secureConnection', (socket: Socket) => {
      const tracked = this.byKey.get(keyOf(socket));
      if (!tracked) return;
      tracked.secured = true;
      tracked.lastActivity = Date.now();
    });
    // HTTP/2: one session per connection, its streams are the requests.
    server.on('session', (session: Http2Session) => {
      const tracked = this.byKey.get(keyOf(session.socket as Socket));
      if (!tracked) return;
      tracked.session = session;
      session.on('stream', (stream: Http2Stream) => {
        this.started(tracked, stream);
        stream.once('close', () => this.ended(tracked, stream));
      });
    });
    // HTTP/1.1 (its own listener, or ALPN fallback on an HTTP/2 one).
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      if (request.httpVersionMajor >= 2) return;
      const tracked = this.byKey.get(keyOf(request.socket));
      if (!tracked) return;
      this.started(tracked, response);
      response.once('close', () => this.ended(tracked, response));
    });
    this.timer = setInterval(() => this.sweep(), this.limits.sweepEveryMs);
    this.timer.unref();
  }

  stats(): ConnectionStats {
    return { open: this.byKey.size, ...this.counts };
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private arrived(socket: Socket): void {
    const address = normalise(socket.remoteAddress ?? '');
    if (this.byKey.size >= this.limits.maxConnections) {
      this.counts.refusedOverListenerCap += 1;
      socket.destroy();
      return;
    }
    const fromAddress = this.perAddress.get(address) ?? 0;
    if (!this.uncapped(address) && fromAddress >= this.limits.maxConnectionsPerAddress) {
      this.counts.refusedOverAddressCap += 1;
      socket.destroy();
      return;
    }
    const key = keyOf(socket);
    const now = Date.now();
    this.byKey.set(key, {
      socket,
      address,
      openedAt: now,
      secured: false,
      session: null,
      requested: false,
      lastActivity: now,
      requests: new Map(),
      closing: false,
    });
    this.perAddress.set(address, fromAddress + 1);
    socket.once('close', () => {
      this.byKey.delete(key);
      const left = (this.perAddress.get(address) ?? 1) - 1;
      if (left > 0) this.perAddress.set(address, left);
      else this.perAddress.delete(address);
    });
  }

  private started(tracked: Tracked, request: object): void {
    tracked.requested = true;
    tracked.requests.set(request, Date.now());
  }

  private ended(tracked: Tracked, request: object): void {
    tracked.requests.delete(request);
    tracked.lastActivity = Date.now();
  }

  private sweep(): void {
    const now = Date.now();
    const l = this.limits;
    for (const tracked of this.byKey.values()) {
      if (tracked.closing) continue;
      if (!tracked.secured) {
        if (now - tracked.openedAt > l.handshakeTimeoutMs) {
          this.counts.closedHandshakeTimeout += 1;
          this.cut(tracked);
        }
        continue;
      }
      if (tracked.requests.size > 0) {
        let oldest = now;
        for (const startedAt of tracked.requests.values()) oldest = Math.min(oldest, startedAt);
        if (now - oldest > l.requestTimeoutMs) {
          this.counts.closedSlowRequest += 1;
          this.cut(tracked);
        }
        continue;
      }
      const quiet = now - tracked.lastActivity;
      if (!tracked.requested && quiet > l.firstRequestTimeoutMs) {
        this.counts.closedNoRequest += 1;
        this.cut(tracked);
      } else if (quiet > l.idleTimeoutMs) {
        this.counts.closedIdle += 1;
        this.close(tracked);
      }
    }
  }

  /** Idle: HTTP/2 says GOAWAY so a client that was about to send opens a new session. */
  private close(tracked: Tracked): void {
    tracked.closing = true;
    const { session } = tracked;
    if (session && !session.closed && !session.destroyed) {
      session.close();
      setTimeout(() => tracked.socket.destroy(), 2_000).unref();
    } else tracked.socket.destroy();
  }

  private cut(tracked: Tracked): void {
    tracked.closing = true;
    if (tracked.session && !tracked.session.destroyed) tracked.session.destroy();
    tracked.socket.destroy();
  }
}

function keyOf(socket: Socket): string {
  return `${socket.remoteAddress}|${socket.remotePort}`;
}

/** `::ffff:10.0.0.1` is 10.0.0.1: one peer, one count. */
function normalise(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
