import type { CloudConfig } from '../../provider/cloud-init.js';

/**
 * Eclipse Mosquitto (the Debian/Ubuntu `mosquitto` package) as the deployment's push broker
 * for wake-up calls, in place of the broker embedded in `smc serve`: TLS only, a client
 * certificate of the deployment CA required, the certificate's CN is the MQTT user name, and
 * the ACL lets an agent read only its own topic and only the server's publisher write.
 */

/** Where the secrets land first (root only); runcmd hands copies to the mosquitto user. */
export const PUSH_SECRET_DIR = '/etc/smc/push';
export const PUSH_SECRETS = {
  caCertificate: `${PUSH_SECRET_DIR}/ca.pem`,
  brokerCertificate: `${PUSH_SECRET_DIR}/broker.pem`,
  brokerKey: `${PUSH_SECRET_DIR}/broker.key`,
  /** The server's publisher identity (client certificate, CN smc-push-publisher). */
  publisherCertificate: `${PUSH_SECRET_DIR}/publisher.pem`,
  publisherKey: `${PUSH_SECRET_DIR}/publisher.key`,
} as const;
const BROKER_DIR = '/etc/mosquitto/smc';
export const MOSQUITTO_CONF = '/etc/mosquitto/conf.d/smc-push.conf';
export const MOSQUITTO_ACL = `${BROKER_DIR}/acl`;

export interface MosquittoOptions {
  readonly port: number;
  /** The CN of the server's publisher certificate (server/push/external-broker.ts). */
  readonly publisherCommonName: string;
  /** Where the broker's certificates and ACL live. @default '/etc/mosquitto/smc' */
  readonly dir?: string;
}

/** mosquitto.conf for the push listener (Mosquitto 2.x option names). */
export function renderMosquittoConf(options: MosquittoOptions): string {
  const dir = options.dir ?? BROKER_DIR;
  return [
    '# smc-kit push service (wake-up calls); written by the deployment, do not edit.',
    'allow_anonymous false',
    `acl_file ${dir}/acl`,
    `listener ${options.port}`,
    'protocol mqtt',
    `cafile ${dir}/ca.pem`,
    `certfile ${dir}/broker.pem`,
    `keyfile ${dir}/broker.key`,
    'tls_version tlsv1.2',
    'require_certificate true',
    'use_identity_as_username true',
    '',
  ].join('\n');
}

/** The ACL: user names are certificate CNs; agents' CNs are the UUIDs the server issued. */
export function renderMosquittoAcl(options: MosquittoOptions): string {
  return [
    '# The server publishes every wake-up.',
    `user ${options.publisherCommonName}`,
    'topic write smc/agents/+/wakeup',
    '',
    '# Each agent reads its own topic and nothing else.',
    'pattern read smc/agents/%u/wakeup',
    '',
  ].join('\n');
}

export function mosquittoCloudConfig(options: MosquittoOptions): CloudConfig {
  const copy = (from: string, to: string, mode: string) =>
    `install -m ${mode} -o mosquitto -g mosquitto ${from} ${BROKER_DIR}/${to}`;
  return {
    systemUsers: [],
    packages: ['mosquitto'],
    writeFiles: [
      { path: MOSQUITTO_CONF, content: renderMosquittoConf(options) },
      { path: MOSQUITTO_ACL, content: renderMosquittoAcl(options) },
    ],
    runcmd: [
      // The package made the mosquitto user; it reads its certificates after dropping root.
      `install -d -m 0750 -o mosquitto -g mosquitto ${BROKER_DIR}`,
      copy(PUSH_SECRETS.caCertificate, 'ca.pem', '0644'),
      copy(PUSH_SECRETS.brokerCertificate, 'broker.pem', '0644'),
      copy(PUSH_SECRETS.brokerKey, 'broker.key', '0600'),
      `chown root:mosquitto ${MOSQUITTO_ACL} && chmod 0640 ${MOSQUITTO_ACL}`,
      'systemctl enable mosquitto.service',
      'systemctl restart mosquitto.service',
    ],
  };
}
