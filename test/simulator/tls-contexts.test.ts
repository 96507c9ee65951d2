import { once } from 'node:events';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCa } from '../../benchmarks/lib/test-ca.js';
import { openSession } from '../../simulator/transport/connect.js';
import { ClientTlsContexts } from '../../simulator/transport/tls-contexts.js';

/** An h2 server with a certificate from `ca`; answers every request with 200. */
async function h2Server(ca: TestCa) {
  const { keyPem, certPem } = await ca.issueServer();
  const server = http2.createSecureServer({ key: keyPem, cert: certPem });
  server.on('stream', (stream) => {
    stream.respond({ ':status': 200 });
    stream.end('{}');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return { server, port, url: `https://127.0.0.1:${port}` };
}

let trusted: TestCa;
let servers: Awaited<ReturnType<typeof h2Server>>[];

beforeAll(async () => {
  trusted = await TestCa.create('trusted CA');
  const impostor = await TestCa.create('impostor CA');
  servers = await Promise.all([h2Server(trusted), h2Server(trusted), h2Server(impostor)]);
});
afterAll(() => {
  for (const { server } of servers) server.close();
});

describe('shared client TLS contexts', () => {
  it('verify in full first, then accept only certificates a verified connection saw', async () => {
    const contexts = new ClientTlsContexts(trusted.certPem);
    const target = (i: number) => ({
      url: servers[i]?.url as string,
      host: '127.0.0.1',
      port: servers[i]?.port as number,
      caPem: trusted.certPem,
    });
    // Server 0 twice: the second connection takes the pinned path, and works.
    for (let round = 0; round < 2; round++) {
      const session = await openSession({ target: target(0), timeoutMs: 5_000, contexts });
      session.close();
    }
    // Server 1 has another certificate from the same CA: not pinned yet, so it is verified in
    // full (and accepted) rather than refused or waved through.
    const second = await openSession({ target: target(1), timeoutMs: 5_000, contexts });
    second.close();
    // Server 2's certificate comes from another CA: refused, pins or not.
    await expect(
      openSession({ target: target(2), timeoutMs: 5_000, contexts }),
    ).rejects.toMatchObject({ outcome: 'tls_error' });
  });
});
