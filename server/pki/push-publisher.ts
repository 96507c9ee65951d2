import { issueFreshLeaf } from './fresh-leaf.js';
import { type IssuingCa, loadIssuingCa } from './issuing-ca.js';
import { PUSH_PUBLISHER_CN } from './layout.js';
import { ExtendedKeyUsage } from './x509.js';

/**
 * The server's publisher identity for a deployment's broker (Mosquitto): a TLS client
 * certificate with CN smc-push-publisher, the one name the broker's ACL lets publish. Agents
 * cannot hold it: the server picks every agent's CN (a UUID) when it signs its request.
 */
export async function issuePushPublisherCertificate(
  ca: IssuingCa,
): Promise<{ certPem: string; keyPem: string }> {
  const { certPem, privateKeyPem } = await issueFreshLeaf(ca, {
    commonName: PUSH_PUBLISHER_CN,
    usage: ExtendedKeyUsage.clientAuth,
  });
  return { certPem, keyPem: privateKeyPem };
}

/** The same, from the CA files of a data folder's pki/. */
export async function issuePushPublisherFromFiles(
  caPem: string,
  caKeyPem: string,
  files: { caFile: string; caKeyFile: string },
): Promise<{ certPem: string; keyPem: string }> {
  return issuePushPublisherCertificate(
    await loadIssuingCa(caPem, caKeyPem, files, 'Restore ca.pem and ca.key together.'),
  );
}
