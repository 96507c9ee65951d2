/**
 * Measures how fast the agent CA signs enrollment CSRs (parse + key check + CSR signature
 * check + issue), the work `POST /v1/enroll` adds on top of TLS and HTTP. Not a test: prints
 * JSON. Build, then run: node dist/test/server/pki/sign-throughput.js [csrs] [concurrency]
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAgentCertificateAuthority, loadOrCreatePki } from '../../../server/pki/index.js';
import { makeAgentCsr } from './make-agent-csr.js';

const total = Number(process.argv[2] ?? 2_000);
const concurrency = Number(process.argv[3] ?? 64);

const dataDir = await mkdtemp(join(tmpdir(), 'smc-pki-throughput-'));
try {
  const pki = await loadOrCreatePki({
    dataDir,
    hostnames: ['localhost'],
    ipAddresses: ['127.0.0.1'],
  });
  const ca = await loadAgentCertificateAuthority(pki);
  const requests = await Promise.all(
    Array.from({ length: total }, async () => ({
      csr: (await makeAgentCsr()).csrPem,
      id: randomUUID(),
    })),
  );
  // Warm-up so the figure is the steady state, not the JIT's first pass.
  for (const request of requests.slice(0, 100)) await ca.signAgentCsr(request.csr, request.id);

  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests.length) {
        const request = requests[next++];
        if (request) await ca.signAgentCsr(request.csr, request.id);
      }
    }),
  );
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  console.log(
    JSON.stringify({
      csrs: total,
      concurrency,
      signsPerSecond: Math.round((total / wallMs) * 1_000),
      cpuMicrosecondsPerSign: Math.round((cpu.user + cpu.system) / total),
      wallMs: Math.round(wallMs),
    }),
  );
} finally {
  await rm(dataDir, { recursive: true, force: true });
}
