import { createPrivateKey, X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  loadAgentCertificateAuthority,
  loadOrCreatePki,
  PkiError,
} from '../../../server/pki/index.js';
import { issueLeafCertificate, loadIssuingCa } from '../../../server/pki/issuing-ca.js';
import { generateP256KeyPair } from '../../../server/pki/key-pair.js';
import { validityFromNow } from '../../../server/pki/validity.js';
import { PublicKey, SubjectAlternativeNameExtension } from '../../../server/pki/x509.js';
import { useTempDataDirs } from './temp-data-dir.js';

const newDataDir = useTempDataDirs();

async function createdPki() {
  const dataDir = await newDataDir();
  const options = { dataDir, hostnames: ['localhost'], ipAddresses: ['127.0.0.1'] };
  const pki = await loadOrCreatePki(options);
  return { pki, options, again: () => loadOrCreatePki(options) };
}

async function pkiErrorOf(promise: Promise<unknown>): Promise<PkiError> {
  const error = await promise.then(
    () => new Error('expected a PkiError, got success'),
    (caught: unknown) => caught,
  );
  if (error instanceof PkiError) return error;
  throw error;
}

describe('a damaged CA is reported, never replaced', () => {
  it('ca.pem without ca.key is PKI_CORRUPT naming ca.key and what to do', async () => {
    const { pki, again } = await createdPki();
    await rm(pki.files.caKeyFile);
    const error = await pkiErrorOf(again());
    expect(error.code).toBe('PKI_CORRUPT');
    expect(error.message).toContain(pki.files.caKeyFile);
    expect(error.message).toContain('is missing');
    expect(error.message).toContain('Restore ca.pem and ca.key');
    expect(await readFile(pki.files.caFile, 'utf8')).toBe(pki.caCertPem);
  });

  it('ca.key without ca.pem is PKI_CORRUPT naming ca.pem', async () => {
    const { pki, again } = await createdPki();
    await rm(pki.files.caFile);
    const error = await pkiErrorOf(again());
    expect(error.code).toBe('PKI_CORRUPT');
    expect(error.message).toContain(`${pki.files.caFile} is missing`);
  });

  it('a server certificate without its CA is PKI_CORRUPT (a new CA would orphan every agent)', async () => {
    const { pki, again } = await createdPki();
    await rm(pki.files.caFile);
    await rm(pki.files.caKeyFile);
    const error = await pkiErrorOf(again());
    expect(error.code).toBe('PKI_CORRUPT');
    expect(error.message).toContain(pki.files.serverCertFile);
  });

  it('an unreadable ca.pem is PKI_CORRUPT naming it', async () => {
    const { pki, again } = await createdPki();
    await writeFile(pki.files.caFile, 'not a certificate\n');
    const error = await pkiErrorOf(again());
    expect(error.code).toBe('PKI_CORRUPT');
    expect(error.message).toContain(`${pki.files.caFile} is not a readable PEM certificate`);
  });

  it('a ca.key from another CA is PKI_CORRUPT naming ca.key', async () => {
    const { pki, again } = await createdPki();
    const other = await createdPki();
    await writeFile(pki.files.caKeyFile, await readFile(other.pki.files.caKeyFile));
    const error = await pkiErrorOf(again());
    expect(error.code).toBe('PKI_CORRUPT');
    expect(error.message).toContain(`${pki.files.caKeyFile} does not belong to the certificate`);
  });

  it('a garbled ca.key is PKI_CORRUPT, also when the agent CA is loaded', async () => {
    const { pki, again } = await createdPki();
    await writeFile(
      pki.files.caKeyFile,
      '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n',
    );
    expect((await pkiErrorOf(again())).message).toContain(
      `${pki.files.caKeyFile} is not a readable`,
    );
    const error = await pkiErrorOf(loadAgentCertificateAuthority(pki));
    expect(error.code).toBe('PKI_CORRUPT');
    expect(error.message).toContain(pki.files.caKeyFile);
  });

  it('a server certificate used as ca.pem is PKI_CORRUPT (not a CA)', async () => {
    const { pki, again } = await createdPki();
    await writeFile(pki.files.caFile, pki.serverCertPem);
    const error = await pkiErrorOf(again());
    expect(error.message).toContain(`${pki.files.caFile} is not a CA certificate`);
  });

  it('a non-empty pki folder without a CA is PKI_CORRUPT, not overwritten', async () => {
    const dataDir = await newDataDir();
    await mkdir(join(dataDir, 'pki'));
    await writeFile(join(dataDir, 'pki', 'notes.txt'), 'mine');
    const error = await pkiErrorOf(
      loadOrCreatePki({ dataDir, hostnames: ['localhost'], ipAddresses: [] }),
    );
    expect(error.code).toBe('PKI_CORRUPT');
    expect(error.message).toContain('notes.txt');
  });
});

describe('replaceable parts heal or are reported', () => {
  it('a missing server.key re-issues the server pair from the same CA', async () => {
    const { pki, again } = await createdPki();
    await rm(pki.files.serverKeyFile);
    const healed = await again();
    expect(healed.reissued).toBe(true);
    expect(healed.reissueReason).toBe(`${pki.files.serverKeyFile} is missing`);
    expect(healed.caCertPem).toBe(pki.caCertPem);
    expect(await readFile(healed.files.serverKeyFile, 'utf8')).toBe(healed.serverKeyPem);
    const server = new X509Certificate(healed.serverCertPem);
    expect(server.checkPrivateKey(createPrivateKey(healed.serverKeyPem))).toBe(true);
  });

  it('a server.key that does not match server.pem (crash between renames) re-issues', async () => {
    const { pki, again } = await createdPki();
    const other = await createdPki();
    await writeFile(pki.files.serverKeyFile, other.pki.serverKeyPem);
    expect((await again()).reissueReason).toBe(
      `${pki.files.serverKeyFile} does not belong to the certificate beside it`,
    );
  });

  it('a server certificate from another CA is re-issued by ours', async () => {
    const { pki, again } = await createdPki();
    const other = await createdPki();
    await writeFile(pki.files.serverCertFile, other.pki.serverCertPem);
    await writeFile(pki.files.serverKeyFile, other.pki.serverKeyPem);
    const healed = await again();
    expect(healed.reissued).toBe(true);
    expect(
      new X509Certificate(healed.serverCertPem).verify(
        new X509Certificate(pki.caCertPem).publicKey,
      ),
    ).toBe(true);
  });

  it('a server certificate near its end is renewed at start', async () => {
    const { pki, again } = await createdPki();
    const ca = await loadIssuingCa(
      pki.caCertPem,
      await readFile(pki.files.caKeyFile, 'utf8'),
      pki.files,
      '',
    );
    const { keys, privateKeyPem } = await generateP256KeyPair();
    const expiringPem = await issueLeafCertificate(ca, {
      subject: 'CN=localhost',
      publicKey: await PublicKey.create(keys.publicKey),
      validity: validityFromNow(10),
      extensions: [new SubjectAlternativeNameExtension([{ type: 'dns', value: 'localhost' }])],
    });
    await writeFile(pki.files.serverKeyFile, privateKeyPem);
    await writeFile(pki.files.serverCertFile, expiringPem);

    const renewed = await again();
    expect(renewed.reissueReason).toContain(`${pki.files.serverCertFile} expires on`);
    expect(Date.parse(new X509Certificate(renewed.serverCertPem).validTo)).toBeGreaterThan(
      Date.now() + 300 * 86_400_000,
    );
  });

  it('a garbled server.pem is PKI_CORRUPT saying to delete the pair', async () => {
    const { pki, again } = await createdPki();
    await writeFile(pki.files.serverCertFile, 'garbage');
    const error = await pkiErrorOf(again());
    expect(error.code).toBe('PKI_CORRUPT');
    expect(error.message).toContain(pki.files.serverCertFile);
    expect(error.message).toContain('re-issued from the agent CA');
  });

  it('deleting admin.token rotates it; a bad token is PKI_CORRUPT', async () => {
    const { pki, again } = await createdPki();
    await rm(pki.files.adminTokenFile);
    const rotated = await again();
    expect(rotated.adminToken).not.toBe(pki.adminToken);
    expect(rotated.adminToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await stat(pki.files.adminTokenFile)).mode & 0o777).toBe(0o600);

    await writeFile(pki.files.adminTokenFile, `${rotated.adminToken}\n`);
    expect((await again()).adminToken).toBe(rotated.adminToken);

    await writeFile(pki.files.adminTokenFile, 'short');
    const error = await pkiErrorOf(again());
    expect(error.code).toBe('PKI_CORRUPT');
    expect(error.message).toContain(pki.files.adminTokenFile);
  });

  it('tightens modes loosened by a restore', async () => {
    const { pki, again } = await createdPki();
    await chmod(pki.files.caKeyFile, 0o644);
    await chmod(join(pki.files.caKeyFile, '..'), 0o755);
    await again();
    expect((await stat(pki.files.caKeyFile)).mode & 0o777).toBe(0o600);
    expect((await stat(join(pki.files.caKeyFile, '..'))).mode & 0o777).toBe(0o700);
  });
});
