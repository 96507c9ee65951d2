/** Where the PKI lives: dataDir/pki/{ca.pem, ca.key, server.pem, server.key, admin.token}. */
export interface PkiFiles {
  readonly caFile: string;
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
  readonly caKeyFile: string;
  readonly adminTokenFile: string;
}

/** Everything the listeners need to start; private CA material stays on disk (see files). */
export interface PkiMaterial {
  /** Agent CA certificate: verifies agents and is the issuer of the server certificate. */
  readonly caCertPem: string;
  /** Server certificate (chain leaf); SANs cover every host name and listen address given. */
  readonly serverCertPem: string;
  /** PKCS#8 PEM, usable as node:tls `key`. */
  readonly serverKeyPem: string;
  /** Bearer token for the console API: random, URL-safe, 256 bits. */
  readonly adminToken: string;
  readonly files: PkiFiles;
}
