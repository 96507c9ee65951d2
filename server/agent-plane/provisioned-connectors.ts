import type { TLSSocket } from 'node:tls';
import type pg from 'pg';
import { agentIdFromPeerCertificate } from '../pki/index.js';
import { CONNECTOR_CERTIFICATE_UNIT, SENSOR_CERTIFICATE_UNIT } from '../pki/layout.js';

/** The OUs only the CA's key can issue, and the enrollment kind each stands for. */
const PROVISIONED_KINDS: ReadonlyMap<string, 'mdm-connector' | 'rd-sensor'> = new Map([
  [CONNECTOR_CERTIFICATE_UNIT, 'mdm-connector'],
  [SENSOR_CERTIFICATE_UNIT, 'rd-sensor'],
]);

/**
 * Records as connectors the MDM connectors a deployment provisioned (and as sensors its Rogue
 * Detection Sensors, OU = SENSOR_CERTIFICATE_UNIT): their relay certificate
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
    const kind = typeof unit === 'string' ? PROVISIONED_KINDS.get(unit) : undefined;
    if (!kind) return;
    const agentId = agentIdFromPeerCertificate(certificate);
    if (!agentId || seen.has(agentId)) return;
    seen.add(agentId);
    pool
      .query(
        `INSERT INTO enrolled_agents (agent_id, token_hash, kind)
         VALUES ($1, 'provisioned', $2) ON CONFLICT (agent_id) DO NOTHING`,
        [agentId, kind],
      )
      .catch((error: Error) => {
        seen.delete(agentId); // try again on its next session
        onError(error);
      });
  });
}
