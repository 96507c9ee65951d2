import { X509Certificate as NodeX509Certificate, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AgentCertificateAuthority,
  loadAgentCertificateAuthority,
  loadOrCreatePki,
  PkiError,
} from '../../../server/pki/index.js';
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  ExtendedKeyUsageExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  SubjectKeyIdentifierExtension,
  X509Certificate,
} from '../../../server/pki/x509.js';
import { makeAgentCsr } from './make-agent-csr.js';

const DAY_MS = 86_400_000;
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
let dataDir: string;
let authority: AgentCertificateAuthority;
let caCertificate: X509Certificate;

// One CA serves the whole file: signing is what is under test here, not creation.
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'smc-pki-sign-'));
  const pki = await loadOrCreatePki({ dataDir, hostnames: ['localhost'], ipAddresses: [] });
  authority = await loadAgentCertificateAuthority(pki);
  caCertificate = new X509Certificate(pki.caCertPem);
});

afterAll(() => rm(dataDir, { recursive: true, force: true }));

async function csrErrorOf(csrPem: string, agentId = randomUUID()): Promise<PkiError> {
  const error = await authority.signAgentCsr(csrPem, agentId).then(
    () => new Error('expected the CSR to be refused'),
    (caught: unknown) => caught,
  );
  if (error instanceof PkiError) return error;
  throw error;
}

describe('signAgentCsr', () => {
  it('issues a client-auth certificate for the agent id, verified by the CA', async () => {
    const agentId = randomUUID();
    const { csrPem } = await makeAgentCsr({ subject: 'CN=admin, O=Evil Corp' });
    const pem = await authority.signAgentCsr(csrPem, agentId);
    const certificate = new X509Certificate(pem);

    expect(await certificate.verify({ publicKey: caCertificate.publicKey })).toBe(true);
    expect(certificate.subject).toBe(`CN=${agentId}`);
    expect(certificate.issuer).toBe(caCertificate.subject);
    expect(certificate.getExtension(ExtendedKeyUsageExtension)?.usages).toEqual([CLIENT_AUTH]);
    expect(certificate.getExtension(KeyUsagesExtension)?.usages).toBe(
      KeyUsageFlags.digitalSignature,
    );
    const constraints = certificate.getExtension(BasicConstraintsExtension);
    expect(constraints?.ca).toBe(false);
    expect(constraints?.critical).toBe(true);
    expect((certificate.notAfter.getTime() - certificate.notBefore.getTime()) / DAY_MS).toBe(397);

    // A second, independent reader (OpenSSL through node:crypto) agrees.
    const viaOpenSsl = new NodeX509Certificate(pem);
    const caViaOpenSsl = new NodeX509Certificate(caCertificate.toString('pem'));
    expect(viaOpenSsl.checkIssued(caViaOpenSsl)).toBe(true);
    expect(viaOpenSsl.verify(caViaOpenSsl.publicKey)).toBe(true);
    expect(viaOpenSsl.keyUsage).toEqual([CLIENT_AUTH]);
    expect(viaOpenSsl.ca).toBe(false);
  });

  it('identifies the agent key (SKI) and points at the CA key (AKI)', async () => {
    const [first, second] = await Promise.all([makeAgentCsr(), makeAgentCsr()]);
    const a = new X509Certificate(await authority.signAgentCsr(first.csrPem, randomUUID()));
    const b = new X509Certificate(await authority.signAgentCsr(second.csrPem, randomUUID()));
    const skiOf = (certificate: X509Certificate) =>
      certificate.getExtension(SubjectKeyIdentifierExtension)?.keyId;
    expect(skiOf(a)).toMatch(/^[0-9a-f]{40}$/);
    expect(skiOf(a)).not.toBe(skiOf(b));
    const caSki = skiOf(caCertificate);
    expect(caSki).toMatch(/^[0-9a-f]{40}$/);
    expect(a.getExtension(AuthorityKeyIdentifierExtension)?.keyId).toBe(caSki);
  });

  it('gives every certificate its own random serial and honours validityDays', async () => {
    const { csrPem } = await makeAgentCsr();
    const a = new X509Certificate(
      await authority.signAgentCsr(csrPem, randomUUID(), { validityDays: 30 }),
    );
    const b = new X509Certificate(await authority.signAgentCsr(csrPem, randomUUID()));
    expect(a.serialNumber).not.toBe(b.serialNumber);
    expect(a.serialNumber.length).toBeGreaterThanOrEqual(30);
    expect((a.notAfter.getTime() - a.notBefore.getTime()) / DAY_MS).toBe(30);
  });

  it('ignores extensions the CSR asks for (an agent cannot request CA powers)', async () => {
    const { csrPem } = await makeAgentCsr({ requestCaExtension: true });
    const certificate = new X509Certificate(await authority.signAgentCsr(csrPem, randomUUID()));
    expect(certificate.getExtension(BasicConstraintsExtension)?.ca).toBe(false);
  });

  it('accepts an RSA 2048 key', async () => {
    const { csrPem } = await makeAgentCsr({
      algorithm: { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048 },
    });
    const certificate = new X509Certificate(await authority.signAgentCsr(csrPem, randomUUID()));
    expect(await certificate.verify({ publicKey: caCertificate.publicKey })).toBe(true);
  });

  it('refuses a CSR whose signed content was altered (CSR_INVALID)', async () => {
    const { csrPem } = await makeAgentCsr({ subject: 'CN=aaaaaaaa' });
    const der = Buffer.from(csrPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    const at = der.indexOf(Buffer.from('aaaaaaaa'));
    expect(at).toBeGreaterThan(0);
    der[at] = 'b'.charCodeAt(0);
    const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    const error = await csrErrorOf(tampered);
    expect(error.code).toBe('CSR_INVALID');
    expect(error.message).toContain('signature');
  });

  it('refuses a CSR carrying another key than the one that signed it (CSR_INVALID)', async () => {
    const victim = await makeAgentCsr();
    const attacker = await makeAgentCsr();
    const victimDer = Buffer.from(victim.csrPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    const attackerDer = Buffer.from(attacker.csrPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    // Both are P-256 CSRs of one layout: swap the 65-byte public points.
    const point = (der: Buffer) => der.indexOf(Buffer.from([0x03, 0x42, 0x00, 0x04])) + 3;
    attackerDer.set(
      victimDer.subarray(point(victimDer), point(victimDer) + 65),
      point(attackerDer),
    );
    const forged = `-----BEGIN CERTIFICATE REQUEST-----\n${attackerDer.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    expect((await csrErrorOf(forged)).code).toBe('CSR_INVALID');
  });

  it.each([
    ['not PEM', 'hello'],
    [
      'a certificate instead of a CSR',
      '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----',
    ],
    [
      'broken base64 body',
      '-----BEGIN CERTIFICATE REQUEST-----\n!!!!\n-----END CERTIFICATE REQUEST-----',
    ],
    [
      'truncated DER',
      '-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----',
    ],
    [
      'oversized',
      `-----BEGIN CERTIFICATE REQUEST-----\n${'A'.repeat(9_000)}\n-----END CERTIFICATE REQUEST-----`,
    ],
  ])('refuses %s (CSR_INVALID)', async (_label, csrPem) => {
    expect((await csrErrorOf(csrPem)).code).toBe('CSR_INVALID');
  });

  it.each([
    ['ECDSA P-384', { name: 'ECDSA', namedCurve: 'P-384' } as const],
    ['RSA 1024', { name: 'RSASSA-PKCS1-v1_5', modulusLength: 1024 } as const],
    ['Ed25519', { name: 'Ed25519' } as const],
  ])('refuses a %s key (CSR_KEY_UNSUPPORTED)', async (_label, algorithm) => {
    const { csrPem } = await makeAgentCsr({ algorithm });
    const error = await csrErrorOf(csrPem);
    expect(error.code).toBe('CSR_KEY_UNSUPPORTED');
    expect(error.message).toContain('P-256');
  });

  it.each([
    ['an upper-case UUID', 'A1B2C3D4-0000-4000-8000-000000000000', {}, 'agentId'],
    ['a non-UUID', 'agent-1', {}, 'agentId'],
    ['zero days', undefined, { validityDays: 0 }, 'validityDays'],
    ['fractional days', undefined, { validityDays: 1.5 }, 'validityDays'],
  ])('rejects %s naming the field', async (_label, agentId, options, field) => {
    const { csrPem } = await makeAgentCsr();
    const error = await authority
      .signAgentCsr(csrPem, agentId ?? randomUUID(), options)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message.startsWith(`${field}: `)).toBe(true);
  });
});
