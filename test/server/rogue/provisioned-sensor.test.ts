import { randomUUID, webcrypto } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../../server/app.js';
import { PKI_FILE_NAMES, SENSOR_CERTIFICATE_UNIT } from '../../../server/pki/layout.js';
import * as x509 from '../../../server/pki/x509.js';
import { provisionedSensorIdentity } from '../../../server/rd-sensor/provisioned-identity.js';
import { httpsJson } from '../../support/agent-client.js';
import { testServer } from '../../support/server.js';
import { makeAgentCsr } from '../pki/make-agent-csr.js';

/**
 * A deployment issues each Rogue Detection Sensor's certificate itself (the constructs sign it
 * with the agent CA, subject CN = agent id, OU = rd-sensor), so a sensor reports from its first
 * start without an enrollment token. Only that OU makes a never-enrolled certificate a sensor.
 */
describe('a sensor with a certificate the deployment issued', () => {
  let server: RunningServer;
  let serverDir: string;

  beforeAll(async () => {
    serverDir = await mkdtemp(path.join(tmpdir(), 'smc-provisioned-sensor-'));
    server = await testServer({ dataDir: serverDir });
  });
  afterAll(async () => {
    await server?.close();
    await rm(serverDir, { recursive: true, force: true });
  });

  /** What the tls provider's locally signed cert makes: the CA key signs CN=<id>, OU=<unit>. */
  async function issueWithUnit(agentId: string, unit: string) {
    const csr = await makeAgentCsr();
    const caKeyPem = await readFile(
      path.join(serverDir, 'pki', PKI_FILE_NAMES.caPrivateKey),
      'utf8',
    );
    const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
    const caKey = await webcrypto.subtle.importKey(
      'pkcs8',
      Buffer.from(caKeyPem.replace(/-----[^-]+-----|\s/g, ''), 'base64'),
      algorithm,
      false,
      ['sign'],
    );
    const request = new x509.Pkcs10CertificateRequest(csr.csrPem);
    const caCert = new x509.X509Certificate(server.caCertPem);
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: '0a1b2c3e',
      subject: `CN=${agentId}, OU=${unit}`,
      issuer: caCert.subject,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 86_400_000),
      publicKey: await request.publicKey.export(algorithm, ['verify']),
      signingKey: caKey,
      signingAlgorithm: algorithm,
      extensions: [new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth])],
    });
    return { certPem: cert.toString('pem'), keyPem: csr.privateKeyPem };
  }

  const report = (identity: { certPem: string; keyPem: string }, mac: string) =>
    httpsJson<{ stored?: number; error?: { code: string } }>(`${server.agentUrl}/v1/sightings`, {
      ca: server.caCertPem,
      cert: identity.certPem,
      key: identity.keyPem,
      body: {
        sightings: [{ mac, source: 'dhcp', seenAt: '2026-12-01T10:00:00.000Z' }],
      },
    });

  it('reports from its first request and is recorded as a sensor', async () => {
    const agentId = randomUUID();
    const identity = await issueWithUnit(agentId, SENSOR_CERTIFICATE_UNIT);
    const first = await report(identity, '02:16:3e:00:00:01');
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body?.stored).toBe(1);
    // The kind is written on the first verified session, beside (not before) the request.
    const recorded = async () =>
      (
        await server.pool.query('SELECT kind, simulated FROM enrolled_agents WHERE agent_id = $1', [
          agentId,
        ])
      ).rows;
    const deadline = Date.now() + 5_000;
    while ((await recorded()).length === 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await recorded()).toEqual([{ kind: 'rd-sensor', simulated: false }]);
    const sensorRows = await server.pool.query(
      'SELECT count(*)::int AS n FROM sightings WHERE sensor_id = $1',
      [agentId],
    );
    expect(sensorRows.rows[0].n).toBe(1);
  });

  it('refuses a certificate from the same CA with another OU (or none)', async () => {
    for (const unit of ['branch-office', 'mdm-connector']) {
      const answer = await report(await issueWithUnit(randomUUID(), unit), '02:16:3e:00:00:02');
      expect(answer.status, unit).toBe(403);
    }
  });

  it('smc rd-sensor --cert takes only a sensor certificate, naming the flag', async () => {
    const agentId = randomUUID();
    const good = await issueWithUnit(agentId, SENSOR_CERTIFICATE_UNIT);
    expect(provisionedSensorIdentity(good.certPem, good.keyPem)).toEqual({
      agentId,
      certPem: good.certPem,
      keyPem: good.keyPem,
    });
    const other = await issueWithUnit(randomUUID(), 'branch-office');
    expect(() => provisionedSensorIdentity(other.certPem, other.keyPem)).toThrow(
      /^--cert: its subject OU must be rd-sensor/,
    );
    const notUuid = await issueWithUnit('smc-sensor-1', SENSOR_CERTIFICATE_UNIT);
    expect(() => provisionedSensorIdentity(notUuid.certPem, notUuid.keyPem)).toThrow(
      /^--cert: its subject CN must be the sensor's agent id/,
    );
    expect(() => provisionedSensorIdentity('not a certificate', good.keyPem)).toThrow(
      /^--cert: not a PEM certificate/,
    );
    expect(() => provisionedSensorIdentity(good.certPem, 'no key')).toThrow(/^--key:/);
  });
});
