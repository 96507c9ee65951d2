import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import { wakeupTopic } from '../../protocol/index.js';
import type { PushTarget } from './push-target.js';

export interface PushBrokerOptions {
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** The server's own certificate and key (agents already trust the CA that signed it). */
  readonly keyPem: string;
  readonly certPem: string;
  /** Only certificates this CA signed get a TLS session at all. */
  readonly agentCaPem: string;
  /** A revoked agent is refused on CONNECT, like on the agent plane. */
  readonly isRevoked: (agentId: string) => boolean;
}

/** aedes wants the MQTT CONNACK code on the error: 5 = not authorized. */
const NOT_AUTHORIZED = 5;
/** Client ids are checked against the certificate; this keeps the list to agent ids (UUIDs). */
const AGENT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** A TLS handshake that has not finished by now is dropped (a half-open flood holds nothing). */
const HANDSHAKE_TIMEOUT_MS = 10_000;

/**
 * The embedded push broker: aedes (a complete MQTT 3.1.1/5 broker: sessions, keep-alive,
 * QoS, topic matching) behind a TLS listener that demands an agent certificate. The ACL is
 * bound to the certificate, never to what a client says: the MQTT client id must be the
 * certificate's CN (the agent id), a client may subscribe only to its own wake-up topic, and
 * no client may publish (only the server does, through `publish`).
 */
export class PushBroker implements PushTarget {
  private readonly broker: Aedes;
  private readonly server: tls.Server;
  private readonly identities = new WeakMap<Client, string>();
  /** Agents whose wake-up subscription the broker holds: a CONNACK alone cannot be woken yet. */
  private readonly listeners = new Set<string>();
  private listening = false;

  private constructor(
    broker: Aedes,
    private readonly options: PushBrokerOptions,
  ) {
    this.broker = broker;
    broker.authenticate = (client, _username, _password, done) => {
      const agentId = this.certificateAgentId(client);
      if (!agentId || agentId !== client.id || options.isRevoked(agentId)) {
        const error = new Error('not authorized') as AuthenticateError;
        error.returnCode = NOT_AUTHORIZED;
        done(error, false);
        return;
      }
      this.identities.set(client, agentId);
      done(null, true);
    };
    broker.authorizeSubscribe = (client, subscription, done) => {
      const agentId = this.identities.get(client);
      // null: SUBACK 0x80 (refused) for this topic; the session itself stays.
      done(null, agentId && subscription.topic === wakeupTopic(agentId) ? subscription : null);
    };
    broker.on('subscribe', (subscriptions, client) => {
      const agentId = this.identities.get(client);
      if (agentId && subscriptions.some((s) => s.topic === wakeupTopic(agentId))) {
        this.listeners.add(agentId);
      }
    });
    broker.on('clientDisconnect', (client) => {
      const agentId = this.identities.get(client);
      // A reconnect under the same id replaces the old client: only forget the id if it is gone.
      if (agentId && !this.connectedIds().includes(agentId)) this.listeners.delete(agentId);
    });
    broker.authorizePublish = (client, _packet, done) => {
      // `client` is null for the server's own publishes.
      done(client ? new Error('agents do not publish') : null);
    };
    this.server = tls.createServer(
      {
        key: options.keyPem,
        cert: options.certPem,
        ca: [options.agentCaPem],
        requestCert: true,
        rejectUnauthorized: true,
        minVersion: 'TLSv1.2',
        handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
      },
      (socket) => broker.handle(socket),
    );
    // A failed handshake (foreign CA, no certificate) is the peer's problem, not ours.
    this.server.on('tlsClientError', () => {});
  }

  static async start(options: PushBrokerOptions): Promise<PushBroker> {
    const broker = await Aedes.createBroker({ heartbeatInterval: 60_000 });
    const push = new PushBroker(broker, options);
    await push.listen();
    return push;
  }

  /** Where it listens (after start). */
  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `mqtts://${this.options.host ?? '127.0.0.1'}:${this.port}`;
  }

  get running(): boolean {
    return this.listening;
  }

  /** Sessions held now. */
  get sessions(): number {
    return this.broker.connectedClients;
  }

  /** Agents subscribed to their wake-up topic now (the ones a wake-up can reach). */
  get subscribers(): number {
    return this.listeners.size;
  }

  /** The agent ids subscribed right now (client id = certificate CN, checked on CONNECT). */
  connectedAgents(): string[] {
    return this.connectedIds().filter((id) => this.listeners.has(id));
  }

  private connectedIds(): string[] {
    const clients = (this.broker as unknown as { clients: Record<string, Client> }).clients;
    return Object.keys(clients).filter((id) => AGENT_ID.test(id));
  }

  /** Publishes `payload` at QoS 0 (a wake-up is worth nothing late: no queueing, no retain). */
  publish(topic: string, payload: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.broker.publish(
        { cmd: 'publish', topic, payload, qos: 0, retain: false, dup: false },
        (error) => (error ? reject(error) : resolve()),
      );
    });
  }

  /** Stops listening and drops every session; agents fall back to their interval. */
  async stop(): Promise<void> {
    if (!this.listening) return;
    this.listening = false;
    this.listeners.clear();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    await new Promise<void>((resolve) => this.broker.close(() => resolve()));
    await closed;
  }

  private listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host ?? '127.0.0.1', () => {
        this.server.off('error', reject);
        this.listening = true;
        resolve();
      });
    });
  }

  private certificateAgentId(client: Client): string | null {
    const socket = client.conn as tls.TLSSocket;
    if (typeof socket.getPeerCertificate !== 'function' || !socket.authorized) return null;
    const cn = socket.getPeerCertificate().subject?.CN;
    return typeof cn === 'string' ? cn : null;
  }
}
