import type { TLSSocket } from 'node:tls';
import type pg from 'pg';
import { agentIdFromPeerCertificate } from '../pki/index.js';
import { CONNECTOR_CERTIFICATE_UNIT } from '../pki/layout.js';

/**
 * Records as connectors the MDM connectors a deployment provisioned: their relay certificate
 * (agent CA, subject OU = CONNECTOR_CERTIFICATE_UNIT) was issued by whoever holds the CA key,
 * and they never enrolled, so no connector token put their kind in `enrolled_agents`. On the
 * first verified TLS session of such a certificate the kind is written (once per process; an
 * id already enrolled keeps its recorded kind). The console reads the kind when it lists
 * devices, so the row landing a moment after the first relayed summary changes nothing.
 */
export function recordProvisionedConnectors(
  server: { on(event: 'secureConnection', listener: (socket: TLSSocket) => void): unknown },
  pool: pg.Pool,
  onError: (error: Error) => void,
): void {
  const seen = new Set<string>();
  server.on('secureConnection', (socket: TLSSocket) => {
    if (!socket.authorized) return;
    const certificate = socket.getPeerCertificate();
    const unit = certificate?.subject?.OU;
    if (unit !== CONNECTOR_CERTIFICATE_UNIT) return;
    const agentId = agentIdFromPeerCertificate(certificate);
    if (!agentId || seen.has(agentId)) return;
    seen.add(agentId);
    pool
      .query(
        `INSERT INTO enrolled_agents (agent_id, token_hash, kind)
         VALUES ($1, 'provisioned', 'mdm-connector') ON CONFLICT (agent_id) DO NOTHING`,
        [agentId],
      )
      .catch((error: Error) => {
        seen.delete(agentId); // try again on its next session
        onError(error);
      });
  });
}
