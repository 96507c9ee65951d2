import { X509Certificate } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadOrCreatePki } from '../../../server/pki/index.js';
import { useTempDataDirs } from './temp-data-dir.js';

const DAY_MS = 86_400_000;
const newDataDir = useTempDataDirs();

async function modeOf(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

function spanDays(cert: X509Certificate): number {
  return (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / DAY_MS;
}

describe('loadOrCreatePki on first start', () => {
  it('creates the CA, server pair and token with private modes in dataDir/pki', async () => {
    const dataDir = await newDataDir();
    const pki = await loadOrCreatePki({
      dataDir,
      hostnames: ['localhost'],
      ipAddresses: ['127.0.0.1'],
    });
    expect(pki.created).toBe(true);
    expect(pki.reissued).toBe(false);

    const pkiDir = join(dataDir, 'pki');
    expect(pki.files).toEqual({
      caFile: join(pkiDir, 'ca.pem'),
      caKeyFile: join(pkiDir, 'ca.key'),
      serverCertFile: join(pkiDir, 'server.pem'),
      serverKeyFile: join(pkiDir, 'server.key'),
      adminTokenFile: join(pkiDir, 'admin.token'),
    });
    expect(await modeOf(pkiDir)).toBe(0o700);
    for (const secret of [pki.files.caKeyFile, pki.files.serverKeyFile, pki.files.adminTokenFile]) {
      expect(await modeOf(secret)).toBe(0o600);
    }
    expect(await readFile(pki.files.caFile, 'utf8')).toBe(pki.caCertPem);
    expect(await readFile(pki.files.serverCertFile, 'utf8')).toBe(pki.serverCertPem);
    expect(await readFile(pki.files.serverKeyFile, 'utf8')).toBe(pki.serverKeyPem);
    expect(await readFile(pki.files.adminTokenFile, 'utf8')).toBe(pki.adminToken);
    expect(pki.serverKeyPem).toContain('-----BEGIN PRIVATE KEY-----');
    expect(pki.adminToken).toMatch(/^[A-Za-z0-9_-]{43,}$/);
  });

  it('makes a ten-year P-256 CA that signed a 397-day serverAuth certificate for every name', async () => {
    const pki = await loadOrCreatePki({
      dataDir: await newDataDir(),
      hostnames: ['localhost', 'SMC.Example.Test', '10.1.2.3'],
      ipAddresses: ['127.0.0.1', '::1'],
      caCommonName: 'Test agent CA',
    });
    const ca = new X509Certificate(pki.caCertPem);
    const server = new X509Certificate(pki.serverCertPem);

    expect(ca.ca).toBe(true);
    expect(ca.subject).toBe('CN=Test agent CA');
    expect(ca.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(Math.round(spanDays(ca))).toBe(3_652);
    expect(ca.verify(ca.publicKey)).toBe(true);

    expect(server.ca).toBe(false);
    expect(server.checkIssued(ca)).toBe(true);
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(server.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(spanDays(server)).toBe(397);
    expect(server.subjectAltName?.split(', ').sort()).toEqual(
      [
        'DNS:localhost',
        'DNS:smc.example.test',
        'IP Address:10.1.2.3',
        'IP Address:127.0.0.1',
        'IP Address:0:0:0:0:0:0:0:1',
      ].sort(),
    );
  });
});

describe('loadOrCreatePki on later starts', () => {
  it('reuses everything when the names are already covered', async () => {
    const dataDir = await newDataDir();
    const first = await loadOrCreatePki({
      dataDir,
      hostnames: ['localhost'],
      ipAddresses: ['127.0.0.1'],
    });
    const second = await loadOrCreatePki({
      dataDir,
      hostnames: ['LOCALHOST'],
      ipAddresses: ['127.0.0.1'],
    });
    expect(second.created).toBe(false);
    expect(second.reissued).toBe(false);
    expect(second.reissueReason).toBeNull();
    expect(second.caCertPem).toBe(first.caCertPem);
    expect(second.serverCertPem).toBe(first.serverCertPem);
    expect(second.serverKeyPem).toBe(first.serverKeyPem);
    expect(second.adminToken).toBe(first.adminToken);
  });

  it('re-issues the server certificate from the same CA when a name is new, keeping the old names', async () => {
    const dataDir = await newDataDir();
    const first = await loadOrCreatePki({
      dataDir,
      hostnames: ['localhost'],
      ipAddresses: ['127.0.0.1'],
    });
    const second = await loadOrCreatePki({
      dataDir,
      hostnames: ['smc.example.test'],
      ipAddresses: ['127.0.0.1'],
    });
    expect(second.created).toBe(false);
    expect(second.reissued).toBe(true);
    expect(second.reissueReason).toBe(
      `${second.files.serverCertFile} does not cover smc.example.test`,
    );
    expect(second.caCertPem).toBe(first.caCertPem);
    expect(second.serverKeyPem).not.toBe(first.serverKeyPem);

    const server = new X509Certificate(second.serverCertPem);
    expect(server.checkHost('localhost')).toBe('localhost');
    expect(server.checkHost('smc.example.test')).toBe('smc.example.test');
    expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(server.verify(new X509Certificate(first.caCertPem).publicKey)).toBe(true);
    expect(await readFile(second.files.serverCertFile, 'utf8')).toBe(second.serverCertPem);
    expect(await readFile(second.files.serverKeyFile, 'utf8')).toBe(second.serverKeyPem);

    const third = await loadOrCreatePki({ dataDir, hostnames: ['localhost'], ipAddresses: [] });
    expect(third.reissued).toBe(false);
  });

  it('re-issues when a new IP address is asked for', async () => {
    const dataDir = await newDataDir();
    await loadOrCreatePki({ dataDir, hostnames: ['localhost'], ipAddresses: ['127.0.0.1'] });
    const again = await loadOrCreatePki({ dataDir, hostnames: [], ipAddresses: ['127.0.0.2'] });
    expect(again.reissued).toBe(true);
    expect(new X509Certificate(again.serverCertPem).checkIP('127.0.0.2')).toBe('127.0.0.2');
  });

  it('lets two processes starting at once end with one CA', async () => {
    const dataDir = await newDataDir();
    const options = { dataDir, hostnames: ['localhost'], ipAddresses: ['127.0.0.1'] };
    const [a, b] = await Promise.all([loadOrCreatePki(options), loadOrCreatePki(options)]);
    expect(a.caCertPem).toBe(b.caCertPem);
    expect([a.created, b.created].sort()).toEqual([false, true]);
    expect(await readFile(a.files.caFile, 'utf8')).toBe(a.caCertPem);
  });
});

describe('loadOrCreatePki input validation', () => {
  it.each([
    [{ hostnames: ['bad_name'], ipAddresses: [] }, 'hostnames[0]'],
    [{ hostnames: ['*.example.test'], ipAddresses: [] }, 'hostnames[0]'],
    [{ hostnames: ['ok', 'x'.repeat(64)], ipAddresses: [] }, 'hostnames[1]'],
    [{ hostnames: [], ipAddresses: ['300.1.1.1'] }, 'ipAddresses[0]'],
    [{ hostnames: [], ipAddresses: ['fe80::1%eth0'] }, 'ipAddresses[0]'],
    [{ hostnames: [], ipAddresses: [] }, 'hostnames'],
    [{ hostnames: 'localhost', ipAddresses: [] }, 'hostnames'],
    [{ hostnames: ['localhost'], ipAddresses: [], caCommonName: '' }, 'caCommonName'],
    [{ hostnames: ['localhost'], ipAddresses: [], dataDir: '' }, 'dataDir'],
  ])('rejects %j naming %s', async (input, field) => {
    const options = { dataDir: await newDataDir(), ...input } as Parameters<
      typeof loadOrCreatePki
    >[0];
    const error = await loadOrCreatePki(options).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message.startsWith(`${field}: `)).toBe(true);
  });
});
