import https from 'node:https';
import type { EnrollResponse } from '../../protocol/index.js';
import type { BenchIdentity } from './server-agent.js';
import { makeBenchAgentKeys } from './server-csr.js';
import { postHttps1 } from './server-http.js';
import { mapWithConcurrency } from './server-pool.js';

export interface EnrollOptions {
  readonly agentUrl: string;
  readonly caPem: string;
  readonly token: string;
  readonly count: number;
  readonly concurrency: number;
  readonly timeoutMs: number;
}

/**
 * Enrolls `count` fresh identities concurrently: each makes its own P-256 key and CSR and
 * posts it to /v1/enroll with the token. Any refusal stops the benchmark: measuring with
 * fewer agents than asked would quietly change what is measured.
 */
export async function enrollAgents(options: EnrollOptions): Promise<BenchIdentity[]> {
  const agent = new https.Agent({ keepAlive: true, maxSockets: options.concurrency });
  try {
    return await mapWithConcurrency(options.count, options.concurrency, async (index) => {
      const keys = await makeBenchAgentKeys();
      const res = await postHttps1(
        `${options.agentUrl}/v1/enroll`,
        JSON.stringify({ token: options.token, csr: keys.csrPem }),
        { ca: options.caPem, agent, timeoutMs: options.timeoutMs },
      );
      if (res.status !== 200) {
        throw new Error(
          `enrolling agent ${index} failed: ${res.status || res.failure} ${res.text.slice(0, 200)}`,
        );
      }
      const body = JSON.parse(res.text) as Partial<EnrollResponse>;
      if (typeof body.agentId !== 'string' || typeof body.certificate !== 'string') {
        throw new Error(`enrolling agent ${index}: the answer lacks agentId or certificate`);
      }
      return {
        id: body.agentId,
        certificatePem: body.certificate,
        privateKeyPem: keys.privateKeyPem,
      };
    });
  } finally {
    agent.destroy();
  }
}
