import { X509Certificate } from 'node:crypto';
import { SENSOR_CERTIFICATE_UNIT } from '../pki/layout.js';
import type { SensorIdentity } from './sensor-state.js';

/**
 * A sensor identity a deployment issued with the agent CA (`--cert`/`--key`, no enrollment
 * token): its agent id is the certificate's CN. Checked here so a wrong file fails at start,
 * naming the flag, rather than as 403s on every report.
 */
export function provisionedSensorIdentity(certPem: string, keyPem: string): SensorIdentity {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(certPem);
  } catch {
    throw new Error('--cert: not a PEM certificate');
  }
  const fields = new Map(
    certificate.subject.split('\n').map((line) => {
      const at = line.indexOf('=');
      return [line.slice(0, at), line.slice(at + 1)] as const;
    }),
  );
  const agentId = fields.get('CN') ?? '';
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(agentId))
    throw new Error(
      `--cert: its subject CN must be the sensor's agent id (a UUID), got ${JSON.stringify(agentId)}`,
    );
  if (fields.get('OU') !== SENSOR_CERTIFICATE_UNIT)
    throw new Error(
      `--cert: its subject OU must be ${SENSOR_CERTIFICATE_UNIT} (a sensor certificate issued with the agent CA); otherwise enroll with --enroll-token`,
    );
  if (!/-----BEGIN (EC |)PRIVATE KEY-----/.test(keyPem))
    throw new Error('--key: not a PEM private key');
  return { agentId, certPem, keyPem };
}
