import { randomUUID, webcrypto } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../../server/app.js';
import { loadAgentCertificateAuthority, type PkiMaterial } from '../../../server/pki/index.js';
import {
  CONNECTOR_CERTIFICATE_UNIT,
  PKI_FILE_NAMES,
  RELAY_DIR_NAME,
  RELAY_FILE_NAMES,
} from '../../../server/pki/layout.js';
import { pkiFilesIn } from '../../../server/pki/pki-files.js';
import * as x509 from '../../../server/pki/x509.js';
import { consoleCall, testServer } from '../../support/server.js';
import { makeAgentCsr } from '../pki/make-agent-csr.js';
import { eventually, mdmToken, testConnector } from './connector-support.js';
import { TestDevice } from './test-device.js';

/**
 * A deployment issues the connector's agent certificate itself (the constructs sign it with
 * the deployment CA) and places it in <data-dir>/relay/: the connector must relay from its
 * first start without an enrollment token, as the agent the certificate names.
 */
describe('connector with a provisioned relay identity', () => {
  let server: RunningServer;
  let serverDir: string;
  const dirs: string[] = [];

  beforeAll(async () => {
    serverDir = await mkdtemp(path.join(tmpdir(), 'smc-provisioned-relay-'));
    dirs.push(serverDir);
    server = await testServer({ dataDir: serverDir });
  });
  afterAll(async () => {
    await server?.close();
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  /** A client certificate for `agentId` from the server's own CA, as terraform would issue it. */
  async function issueRelayCertificate(agentId: string) {
    const files = pkiFilesIn(path.join(serverDir, 'pki'));
    const ca = await loadAgentCertificateAuthority({
      caCertPem: server.caCertPem,
      files,
    } as PkiMaterial);
    const csr = await makeAgentCsr();
    return { certPem: await ca.signAgentCsr(csr.csrPem, agentId), keyPem: csr.privateKeyPem };
  }

  /**
   * The relay certificate as the constructs issue it: the deployment's CA key signs a
   * certificate with subject CN=<agentId>, OU=<unit> (the tls provider's cert request).
   */
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
      serialNumber: '0a1b2c3d',
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

  /** A connector on `identity` with one phone checked in; what the server's console lists. */
  async function devicesListedFor(identity: { certPem: string; keyPem: string }) {
    const dataDir = await connectorDirWith({
      [RELAY_FILE_NAMES.provisionedCertificate]: identity.certPem,
      [RELAY_FILE_NAMES.provisionedKey]: identity.keyPem,
    });
    const connector = await testConnector(server, {
      dataDir,
      server: {
        serverUrl: server.agentUrl,
        serverCaPem: server.caCertPem,
        enrollmentToken: () => Promise.reject(new Error('asked for an enrollment token')),
      },
    });
    try {
      const phone = await TestDevice.enroll(connector, await mdmToken(connector), 'android');
      await phone.checkIn();
      // The summary reached the server as the connector's log...
      await eventually('the summary stored at the server', async () => {
        const res = await consoleCall<{ latestLogs: unknown[] }>(
          server,
          `/api/computers/${connector.relayAgentId}`,
        );
        return res.status === 200 && res.body.latestLogs.length > 0 ? true : undefined;
      });
      const listed = await consoleCall<{ items: { deviceId: string }[] }>(
        server,
        '/api/mobile-devices',
      );
      return listed.body.items.filter((d) => d.deviceId === phone.id).length;
    } finally {
      await connector.close();
    }
  }

  it('takes a relay certificate the CA issued with the connector OU as a connector: its phones are listed', async () => {
    const identity = await issueWithUnit(randomUUID(), CONNECTOR_CERTIFICATE_UNIT);
    expect(await devicesListedFor(identity)).toBe(1);
  });

  it('does not take one without that OU (or with another) as a connector', async () => {
    expect(await devicesListedFor(await issueWithUnit(randomUUID(), 'branch-office'))).toBe(0);
    expect(await devicesListedFor(await issueRelayCertificate(randomUUID()))).toBe(0);
  });

  async function connectorDirWith(files: Record<string, string>) {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'smc-provisioned-relay-mdm-'));
    dirs.push(dataDir);
    await mkdir(path.join(dataDir, RELAY_DIR_NAME), { recursive: true });
    for (const [name, content] of Object.entries(files)) {
      await writeFile(path.join(dataDir, RELAY_DIR_NAME, name), content, { mode: 0o600 });
    }
    return dataDir;
  }

  it('relays as the agent the certificate names, and never asks for a token', async () => {
    const agentId = randomUUID();
    const { certPem, keyPem } = await issueRelayCertificate(agentId);
    const dataDir = await connectorDirWith({
      [RELAY_FILE_NAMES.provisionedCertificate]: certPem,
      [RELAY_FILE_NAMES.provisionedKey]: keyPem,
    });
    const connector = await testConnector(server, {
      dataDir,
      server: {
        serverUrl: server.agentUrl,
        serverCaPem: server.caCertPem,
        enrollmentToken: () => Promise.reject(new Error('asked for an enrollment token')),
      },
    });
    try {
      expect(connector.relayAgentId).toBe(agentId);
      const computer = await eventually('the connector at the server', async () => {
        const res = await consoleCall(server, `/api/computers/${agentId}`);
        return res.status === 200 ? res.body : undefined;
      });
      expect(computer).toMatchObject({ computer: { agent_id: agentId } });
    } finally {
      await connector.close();
    }
  });

  it('refuses half an identity, or one another CA issued, naming the file', async () => {
    const { certPem } = await issueRelayCertificate(randomUUID());
    const half = await connectorDirWith({ [RELAY_FILE_NAMES.provisionedCertificate]: certPem });
    await expect(testConnector(server, { dataDir: half })).rejects.toThrow(
      /relay\/agent\.key is missing: a provisioned relay identity needs both agent\.pem and agent\.key/,
    );
    const other = await testServer();
    try {
      const foreign = await mkdtemp(path.join(tmpdir(), 'smc-provisioned-relay-other-'));
      dirs.push(foreign);
      const csr = await makeAgentCsr();
      const dataDir = await connectorDirWith({
        [RELAY_FILE_NAMES.provisionedCertificate]: certPem,
        [RELAY_FILE_NAMES.provisionedKey]: csr.privateKeyPem,
      });
      await expect(
        testConnector(other, {
          dataDir,
          server: {
            serverUrl: other.agentUrl,
            serverCaPem: other.caCertPem,
            enrollmentToken: () => Promise.reject(new Error('asked for an enrollment token')),
          },
        }),
      ).rejects.toThrow(/relay\/agent\.pem was not issued by the server's agent CA/);
    } finally {
      await other.close();
    }
  });
});
