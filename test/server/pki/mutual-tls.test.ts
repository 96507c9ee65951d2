import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createHttpsServer, get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  agentIdFromPeerCertificate,
  loadAgentCertificateAuthority,
  loadOrCreatePki,
  type PkiMaterial,
} from '../../../server/pki/index.js';
import { makeAgentCsr } from './make-agent-csr.js';
import { type ClientIdentity, listenOnLoopback, talkTls } from './tls-peers.js';

const dataDirs: string[] = [];
const servers: Server[] = [];
let ours: PkiMaterial;
let foreign: PkiMaterial;
let agentId: string;
let agent: ClientIdentity;
let foreignAgent: ClientIdentity;
let port: number;
const refusedHandshakes: string[] = [];

async function pkiIn(prefix: string): Promise<PkiMaterial> {
  const dataDir = await mkdtemp(join(tmpdir(), prefix));
  dataDirs.push(dataDir);
  return loadOrCreatePki({ dataDir, hostnames: ['localhost'], ipAddresses: ['127.0.0.1'] });
}

async function enroll(material: PkiMaterial, id: string): Promise<ClientIdentity> {
  const authority = await loadAgentCertificateAuthority(material);
  const { csrPem, privateKeyPem } = await makeAgentCsr();
  return { key: privateKeyPem, cert: await authority.signAgentCsr(csrPem, id) };
}

beforeAll(async () => {
  [ours, foreign] = await Promise.all([pkiIn('smc-pki-tls-'), pkiIn('smc-pki-tls-foreign-')]);
  agentId = randomUUID();
  agent = await enroll(ours, agentId);
  foreignAgent = await enroll(foreign, agentId);

  // What the agent plane does: client certificate required, verified against the agent CA.
  const server = createServer(
    {
      key: ours.serverKeyPem,
      cert: ours.serverCertPem,
      ca: ours.caCertPem,
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
    },
    (socket) => socket.end(String(agentIdFromPeerCertificate(socket.getPeerCertificate()))),
  );
  server.on('tlsClientError', (error) => refusedHandshakes.push(error.message));
  servers.push(server);
  port = await listenOnLoopback(server);
});

afterAll(async () => {
  await Promise.all(servers.map(async (server) => server.close()));
  await Promise.all(dataDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('the PKI on a real mutual-TLS listener', () => {
  it('accepts an agent certificate from our CA and reads its id from the peer certificate', async () => {
    const outcome = await talkTls({ port, host: '127.0.0.1', ca: ours.caCertPem, identity: agent });
    expect(outcome).toMatchObject({ received: agentId, error: null });
  });

  it('serves a certificate that verifies for the DNS name too', async () => {
    const outcome = await talkTls({ port, host: 'localhost', ca: ours.caCertPem, identity: agent });
    expect(outcome).toMatchObject({ received: agentId, error: null });
  });

  it('accepts over TLS 1.2 as well', async () => {
    const outcome = await talkTls({
      port,
      host: '127.0.0.1',
      ca: ours.caCertPem,
      identity: agent,
      maxVersion: 'TLSv1.2',
    });
    expect(outcome).toMatchObject({ received: agentId, error: null, protocol: 'TLSv1.2' });
  });

  it('refuses an agent certificate from another CA', async () => {
    const before = refusedHandshakes.length;
    const outcome = await talkTls({
      port,
      host: '127.0.0.1',
      ca: ours.caCertPem,
      identity: foreignAgent,
    });
    expect(outcome.received).toBe('');
    expect(refusedHandshakes.length).toBe(before + 1);
  });

  it('refuses a client without a certificate', async () => {
    const outcome = await talkTls({ port, host: '127.0.0.1', ca: ours.caCertPem });
    expect(outcome.received).toBe('');
  });

  it('refuses our own server certificate as a client certificate (serverAuth only)', async () => {
    const outcome = await talkTls({
      port,
      host: '127.0.0.1',
      ca: ours.caCertPem,
      identity: { key: ours.serverKeyPem, cert: ours.serverCertPem },
    });
    expect(outcome.received).toBe('');
  });

  it('is refused by a client that trusts another CA (the server certificate is really checked)', async () => {
    const outcome = await talkTls({
      port,
      host: '127.0.0.1',
      ca: foreign.caCertPem,
      identity: agent,
    });
    expect(outcome.received).toBe('');
    expect(outcome.error).toMatch(/certificate|verify/i);
  });
});

describe('the server certificate for plain HTTPS (what curl --cacert ca.pem does)', () => {
  it('verifies https://127.0.0.1 with only the CA file trusted', async () => {
    const server = createHttpsServer(
      { key: ours.serverKeyPem, cert: ours.serverCertPem },
      (_, res) => res.end('ok'),
    );
    servers.push(server);
    const httpsPort = await listenOnLoopback(server);
    const response = httpsGet(`https://127.0.0.1:${httpsPort}/`, { ca: ours.caCertPem });
    const [message] = await once(response, 'response');
    let body = '';
    for await (const chunk of message) body += chunk;
    expect(message.statusCode).toBe(200);
    expect(body).toBe('ok');
  });
});
