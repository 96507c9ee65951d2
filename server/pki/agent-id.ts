import type { DetailedPeerCertificate, PeerCertificate } from 'node:tls';

/** Same rule as protocol's `Uuid`: ids are lower-case UUIDs, so one id has one spelling. */
const AGENT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isAgentId(value: unknown): value is string {
  return typeof value === 'string' && AGENT_ID.test(value);
}

/**
 * The agent id of a peer certificate that TLS has already verified against the agent CA:
 * its subject CN when that is a lower-case UUID, else null. Reads the object node:tls has
 * already parsed, so it costs nothing per request. A certificate with several CNs is
 * ambiguous and yields null.
 */
export function agentIdFromPeerCertificate(
  cert: PeerCertificate | DetailedPeerCertificate,
): string | null {
  const commonName: unknown = cert?.subject?.CN;
  return isAgentId(commonName) ? commonName : null;
}
