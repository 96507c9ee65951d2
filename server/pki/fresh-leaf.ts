import { type IssuingCa, issueLeafCertificate } from './issuing-ca.js';
import { generateP256KeyPair } from './key-pair.js';
import { LEAF_VALIDITY_DAYS, validityFromNow } from './validity.js';
import { pkiCrypto } from './web-crypto.js';
import {
  BasicConstraintsExtension,
  ExtendedKeyUsageExtension,
  type Extension,
  KeyUsageFlags,
  KeyUsagesExtension,
  PublicKey,
} from './x509.js';

/**
 * A leaf certificate from `ca` with a fresh P-256 key: not a CA, digital signature only, one
 * extended key usage (server or client auth), plus any `extensions` (e.g. SANs). The server
 * certificate and the push publisher's share this profile.
 */
export async function issueFreshLeaf(
  ca: IssuingCa,
  leaf: { commonName: string; usage: string; extensions?: readonly Extension[] },
): Promise<{ certPem: string; privateKeyPem: string }> {
  const { keys, privateKeyPem } = await generateP256KeyPair();
  const publicKey = await PublicKey.create(keys.publicKey, pkiCrypto);
  const certPem = await issueLeafCertificate(ca, {
    subject: [{ CN: [leaf.commonName] }],
    publicKey,
    validity: validityFromNow(LEAF_VALIDITY_DAYS),
    extensions: [
      new BasicConstraintsExtension(false, undefined, true),
      new KeyUsagesExtension(KeyUsageFlags.digitalSignature, true),
      new ExtendedKeyUsageExtension([leaf.usage]),
      ...(leaf.extensions ?? []),
    ],
  });
  return { certPem, privateKeyPem };
}
