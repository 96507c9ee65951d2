/**
 * The files `smc serve` and `smc mdm` keep in their data folder, in one place. This module is
 * plain constants on purpose (no imports, no I/O): deployment tooling (the constructs' role
 * scripts) imports it to place exactly the files the services read, so renaming one here
 * renames it everywhere and a deployment can no longer write a layout the server rejects.
 */

/** The PKI sub-folder of a data folder (0700: it holds private keys and the admin token). */
export const PKI_DIR_NAME = 'pki';

export const PKI_FILE_NAMES = {
  /** The CA certificate (agent CA for the server, device CA for the connector). Public. */
  caCertificate: 'ca.pem',
  caPrivateKey: 'ca.key',
  /** The service's TLS certificate, issued by that CA, and its key. */
  serviceCertificate: 'server.pem',
  serviceKey: 'server.key',
  /** Bearer token of the console API. */
  adminToken: 'admin.token',
} as const;

/**
 * Every private key here is ECDSA on this curve, CA and service alike (the server signs with
 * WebCrypto P-256 and refuses other keys). Named as the Terraform tls provider names curves.
 */
export const PKI_ECDSA_CURVE = 'P256';

/** An admin token is at least this many URL-safe characters (256 bits in base64url). */
export const ADMIN_TOKEN_MIN_LENGTH = 43;

/** The connector's identity as an agent of the management server, in `<data-dir>/relay/`. */
export const RELAY_DIR_NAME = 'relay';

export const RELAY_FILE_NAMES = {
  /** Written by the connector after it enrolled with a token. */
  identity: 'identity.json',
  /**
   * Or placed by a deployment before the first start: a client certificate issued by the
   * server's agent CA (subject CN = the connector's agent id) and its key.
   */
  provisionedCertificate: 'agent.pem',
  provisionedKey: 'agent.key',
} as const;

/**
 * The subject OU of a connector's relay certificate that a deployment issues with the agent
 * CA (it never enrolls, so no connector token recorded its kind). The server takes it as a
 * fact it owns: only the CA's key can issue it, and /v1/enroll never writes an OU.
 */
export const CONNECTOR_CERTIFICATE_UNIT = 'mdm-connector';

/**
 * The subject OU of a Rogue Detection Sensor's certificate that a deployment issues with the
 * agent CA (`smc rd-sensor --cert --key`, no enrollment token): the server takes such a
 * certificate's sightings, like one it enrolled with a token of kind rd-sensor.
 */
export const SENSOR_CERTIFICATE_UNIT = 'rd-sensor';

/** Absolute paths of the PKI files in a data folder, POSIX style (hosts are Linux). */
export function pkiPaths(dataDir: string) {
  const dir = `${dataDir.replace(/\/+$/, '')}/${PKI_DIR_NAME}`;
  return {
    dir,
    caCertificate: `${dir}/${PKI_FILE_NAMES.caCertificate}`,
    caPrivateKey: `${dir}/${PKI_FILE_NAMES.caPrivateKey}`,
    serviceCertificate: `${dir}/${PKI_FILE_NAMES.serviceCertificate}`,
    serviceKey: `${dir}/${PKI_FILE_NAMES.serviceKey}`,
    adminToken: `${dir}/${PKI_FILE_NAMES.adminToken}`,
  } as const;
}

/** Where a deployment places the connector's pre-issued relay identity. */
export function relayPaths(dataDir: string) {
  const dir = `${dataDir.replace(/\/+$/, '')}/${RELAY_DIR_NAME}`;
  return {
    dir,
    identity: `${dir}/${RELAY_FILE_NAMES.identity}`,
    provisionedCertificate: `${dir}/${RELAY_FILE_NAMES.provisionedCertificate}`,
    provisionedKey: `${dir}/${RELAY_FILE_NAMES.provisionedKey}`,
  } as const;
}

/** The CN of the server's publisher certificate, the one name a push broker's ACL lets publish. */
export const PUSH_PUBLISHER_CN = 'smc-push-publisher';
