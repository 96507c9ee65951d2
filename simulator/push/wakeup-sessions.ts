import { connect, type MqttClient } from 'mqtt';
import { Compile } from 'typebox/compile';
import { WakeupMessage, wakeupTopic } from '../../protocol/index.js';
import type { EnrolledIdentity } from '../identity/enroll.js';
import { DRAW, unitDraw } from '../random.js';

const checkWakeup = Compile(WakeupMessage);

export interface WakeupSessionsOptions {
  /** The push broker, mqtts://host:port. */
  readonly url: string;
  /** CA that signed the broker's certificate (the deployment's CA). */
  readonly caPem: string;
  /** Identities in fleet order; session k belongs to identity k. */
  readonly identities: readonly EnrolledIdentity[];
  readonly seed: number;
  /** Sessions opening at once (each is a TLS handshake). @default 50 */
  readonly connectConcurrency?: number;
}

export type WakeupHandler = (identityRef: number, publishedAtEpochMs: number) => void;

/** MQTT keep-alive (s): ours, a broker drops a silent agent within 1.5x of it. */
const KEEPALIVE_SECONDS = 120;
/** Reconnect after a lost broker between these (ms, per agent, seeded): no herd. */
const RECONNECT_MIN_MS = 5_000;
const RECONNECT_SPREAD_MS = 10_000;

/**
 * The agents' push sessions, beside their replication sessions: one MQTT.js client per agent
 * (MQTT.js does the protocol, keep-alive and reconnects; a hand-written client would have to
 * redo all three), with the agent's own certificate and its agent id as client id, subscribed
 * to its own wake-up topic. A wake-up only moves the next replication forward; a lost broker
 * only loses wake-ups (MQTT.js reconnects by itself, each agent after its own pause).
 */
export class WakeupSessions {
  private readonly clients: (MqttClient | null)[];
  private subscribedCount = 0;
  private readonly subscribed: boolean[];
  received = 0;
  refused = 0;
  /** Told the identity's position when its wake-up arrives (publish time, epoch ms). */
  private handler: WakeupHandler | null = null;
  /** Wake-ups that came between two phases (or before the first): played when one listens. */
  private readonly missed = new Map<number, number>();

  constructor(private readonly options: WakeupSessionsOptions) {
    this.clients = options.identities.map(() => null);
    this.subscribed = options.identities.map(() => false);
  }

  /** Wake-ups go to `handler` (the phase playing now) until the returned function is called. */
  listen(handler: WakeupHandler): () => void {
    this.handler = handler;
    const missed = [...this.missed];
    this.missed.clear();
    if (missed.length > 0)
      setImmediate(() => {
        for (const [position, at] of missed) this.handler?.(position, at);
      });
    return () => {
      if (this.handler === handler) this.handler = null;
    };
  }

  /** Sessions subscribed right now. */
  get held(): number {
    return this.subscribedCount;
  }

  /**
   * Opens every session (bounded concurrency); resolves when each has subscribed once or
   * failed its first attempt (a broker that is down does not hold the run up: those sessions
   * keep retrying in the background).
   */
  async open(): Promise<{ subscribed: number; failed: number }> {
    const { identities } = this.options;
    let next = 0;
    let failed = 0;
    const worker = async () => {
      while (next < identities.length) {
        const position = next++;
        if (!(await this.openOne(position))) failed++;
      }
    };
    const width = Math.min(this.options.connectConcurrency ?? 50, identities.length);
    await Promise.all(Array.from({ length: width }, worker));
    return { subscribed: this.subscribedCount, failed };
  }

  async close(): Promise<void> {
    await Promise.all(
      this.clients.map(
        (client) =>
          new Promise<void>((resolve) =>
            client ? client.end(true, {}, () => resolve()) : resolve(),
          ),
      ),
    );
    this.clients.fill(null);
  }

  private openOne(position: number): Promise<boolean> {
    const identity = this.options.identities[position] as EnrolledIdentity;
    const topic = wakeupTopic(identity.agentId);
    const reconnectPeriod =
      RECONNECT_MIN_MS +
      Math.floor(unitDraw(this.options.seed, position, DRAW.pushReconnect) * RECONNECT_SPREAD_MS);
    const client = connect(this.options.url, {
      clientId: identity.agentId,
      key: identity.keyPem,
      cert: identity.certPem,
      ca: this.options.caPem,
      rejectUnauthorized: true,
      protocolVersion: 4,
      clean: true,
      keepalive: KEEPALIVE_SECONDS,
      reconnectPeriod,
      connectTimeout: 10_000,
    });
    this.clients[position] = client;
    client.on('message', (_topic, payload) => {
      let message: unknown;
      try {
        message = JSON.parse(payload.toString('utf8'));
      } catch {
        return;
      }
      if (!checkWakeup.Check(message)) return;
      this.received++;
      const at = Date.parse((message as WakeupMessage).at);
      if (this.handler) this.handler(position, at);
      else this.missed.set(position, at);
    });
    client.on('close', () => this.markSubscribed(position, false));
    // Errors are the reconnect loop's business; without a listener they would throw.
    client.on('error', () => {});
    return new Promise((resolve) => {
      let settled = false;
      const settle = (ok: boolean) => {
        if (settled) return;
        settled = true;
        resolve(ok);
      };
      client.on('connect', () => {
        client.subscribe(topic, { qos: 0 }, (error, granted) => {
          const ok = !error && granted?.[0]?.qos !== 128;
          if (ok) this.markSubscribed(position, true);
          else this.refused++;
          settle(ok);
        });
      });
      client.once('close', () => settle(false));
    });
  }

  private markSubscribed(position: number, on: boolean): void {
    if (this.subscribed[position] === on) return;
    this.subscribed[position] = on;
    this.subscribedCount += on ? 1 : -1;
  }
}
