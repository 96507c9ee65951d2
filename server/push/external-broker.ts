import { connect, type MqttClient } from 'mqtt';
import { PUSH_PUBLISHER_CN } from '../pki/layout.js';
import type { PushTarget } from './push-target.js';

export interface ExternalBrokerOptions {
  /** mqtts://host:port of the deployment's broker (Mosquitto, configured by the constructs). */
  readonly url: string;
  /** The publisher's client certificate (CN `smc-push-publisher`, the one the ACL lets write). */
  readonly certPem: string;
  readonly keyPem: string;
  /** The CA that signed the broker's certificate. */
  readonly caPem: string;
}

/**
 * A broker of the deployment's (Eclipse Mosquitto) instead of the embedded one: the server
 * publishes through one MQTT.js session with its publisher certificate. MQTT.js reconnects by
 * itself; while it is away, wake-ups are dropped (never queued: a late wake-up is worthless).
 * The broker does not say who is connected, so every target is woken.
 */
export class ExternalBroker implements PushTarget {
  private readonly client: MqttClient;

  constructor(private readonly options: ExternalBrokerOptions) {
    this.client = connect(options.url, {
      clientId: `${PUSH_PUBLISHER_CN}-${process.pid}-${Math.random().toString(16).slice(2, 8)}`,
      cert: options.certPem,
      key: options.keyPem,
      ca: options.caPem,
      protocolVersion: 4,
      clean: true,
      reconnectPeriod: 5_000,
      connectTimeout: 10_000,
    });
    // Failures are the reconnect loop's business; without a listener they would throw.
    this.client.on('error', () => {});
  }

  get url(): string {
    return this.options.url;
  }

  get running(): boolean {
    return this.client.connected;
  }

  get sessions(): number {
    return 0;
  }

  get subscribers(): number {
    return 0;
  }

  connectedAgents(): null {
    return null;
  }

  publish(topic: string, payload: string): Promise<void> {
    return new Promise((resolve, reject) =>
      this.client.publish(topic, payload, { qos: 0, retain: false }, (error) =>
        error ? reject(error) : resolve(),
      ),
    );
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.client.end(true, {}, () => resolve()));
  }
}
