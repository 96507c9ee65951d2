import { type KeyObject, sign } from 'node:crypto';

/**
 * A PKCS#10 certificate request (RFC 2986) for an EC key, encoded by hand: the structure is
 * four fields, and a general ASN.1 library spends ~5 ms per request where this takes a
 * fraction of one, which decides whether 10,000 agents enroll in seconds or in a minute.
 */
function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  if (n < 0x100) return Buffer.from([0x81, n]);
  return Buffer.from([0x82, n >> 8, n & 0xff]);
}

function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

const SEQUENCE = 0x30;
const SET = 0x31;
const INTEGER = 0x02;
const BIT_STRING = 0x03;
const UTF8_STRING = 0x0c;
const CONTEXT_0 = 0xa0;
/** 2.5.4.3 commonName */
const OID_COMMON_NAME = Buffer.from([0x06, 0x03, 0x55, 0x04, 0x03]);
/** 1.2.840.10045.4.3.2 ecdsa-with-SHA256 */
const OID_ECDSA_SHA256 = Buffer.from([0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]);

/** DER of a CSR with subject CN=`commonName`, signed with ECDSA/SHA-256 by `privateKey`. */
export function ecCsrDer(commonName: string, publicKey: KeyObject, privateKey: KeyObject): Buffer {
  const subject = tlv(
    SEQUENCE,
    tlv(SET, tlv(SEQUENCE, OID_COMMON_NAME, tlv(UTF8_STRING, Buffer.from(commonName, 'utf8')))),
  );
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const info = tlv(SEQUENCE, tlv(INTEGER, Buffer.from([0])), subject, spki, tlv(CONTEXT_0));
  // Node signs EC keys with DER-encoded (r, s), which is what X.509 wants.
  const signature = sign('sha256', info, privateKey);
  return tlv(
    SEQUENCE,
    info,
    tlv(SEQUENCE, OID_ECDSA_SHA256),
    tlv(BIT_STRING, Buffer.from([0]), signature),
  );
}
