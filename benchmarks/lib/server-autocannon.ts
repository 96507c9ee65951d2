import { createRequire } from 'node:module';
import type { BenchAgent } from './server-agent.js';
import { type BenchEndpoint, ENDPOINT_PATHS, round } from './server-step.js';

/** The part of autocannon's per-connection Client we use (README: "Client API"). */
interface AutocannonClient {
  opts: { tlsOptions?: Record<string, unknown> };
  setRequests(requests: AutocannonRequest[]): void;
}

interface AutocannonRequest {
  method: 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
  setupRequest?: (request: AutocannonRequest) => AutocannonRequest;
  onResponse?: (status: number, body: string) => void;
}

interface AutocannonHistogram {
  average: number;
  p50: number;
  p99: number;
  max: number;
}

interface AutocannonResult {
  latency: AutocannonHistogram;
  requests: AutocannonHistogram & { total: number };
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
  statusCodeStats: Record<string, { count: number }>;
}

type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;

// autocannon is CommonJS and ships no types; load it through require with the shape above.
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

export interface AutocannonPlan {
  readonly endpoint: BenchEndpoint;
  readonly connections: number;
  readonly durationSeconds: number;
  readonly newLogs: number;
}

export interface AutocannonSummary {
  readonly endpoint: BenchEndpoint;
  readonly protocol: 'HTTP/1.1 + TLS (mutual)';
  readonly connections: number;
  readonly seconds: number;
  readonly ok: number;
  readonly perSecond: number;
  readonly latencyMs: {
    readonly p50: number;
    readonly p99: number;
    readonly max: number;
    readonly mean: number;
  };
  readonly logsAcked: number;
  readonly statusCodes: Record<string, number>;
  readonly transportErrors: number;
  readonly timeouts: number;
}

/**
 * autocannon over HTTP/1.1 + TLS with a client certificate. Its `tlsOptions` is one object for
 * every connection, which would make all connections one agent, and group commit takes at
 * most one replication per agent per batch. So each connection gets its own enrolled agent:
 * `setupClient` runs before the connection opens and each Client holds its own clone of the
 * options, so setting `client.opts.tlsOptions` there gives that connection its own
 * certificate (autocannon 8 internals, checked in lib/httpClient.js). `setupRequest` builds
 * each body from the agent's outbox and `onResponse` applies the ack, so seqs continue and
 * unacknowledged logs are resent, as on the HTTP/2 path.
 */
export async function runAutocannon(
  agents: readonly BenchAgent[],
  agentUrl: string,
  caPem: string,
  plan: AutocannonPlan,
): Promise<AutocannonSummary> {
  const connections = Math.min(plan.connections, agents.length);
  let nextAgent = 0;
  let logsAcked = 0;
  const path = ENDPOINT_PATHS[plan.endpoint];
  const headers = { 'content-type': 'application/json' };

  const result = await autocannon({
    url: `${agentUrl}${path}`,
    method: 'POST',
    connections,
    duration: plan.durationSeconds,
    timeout: 10,
    setupClient: (client: AutocannonClient) => {
      const agent = agents[nextAgent++ % connections] as BenchAgent;
      client.opts.tlsOptions = {
        ca: caPem,
        cert: agent.identity.certificatePem,
        key: agent.identity.privateKeyPem,
      };
      client.setRequests([
        {
          method: 'POST',
          path,
          headers,
          setupRequest: (request) => ({
            ...request,
            body:
              plan.endpoint === 'replicate'
                ? agent.replicationBody(plan.newLogs)
                : agent.noopBody(plan.newLogs),
          }),
          onResponse: (status, body) => {
            if (status !== 200 || plan.endpoint !== 'replicate') return;
            try {
              const through = (JSON.parse(body) as { ack: { logsThrough: number } }).ack
                .logsThrough;
              logsAcked += agent.acknowledge(through) ?? 0;
            } catch {
              // A malformed answer leaves the logs in the outbox; they go again next time.
            }
          },
        },
      ]);
    },
  });

  const statusCodes: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {}))
    statusCodes[code] = stat.count;
  const ok = statusCodes['200'] ?? 0;
  return {
    endpoint: plan.endpoint,
    protocol: 'HTTP/1.1 + TLS (mutual)',
    connections,
    seconds: result.duration,
    ok,
    perSecond: round(ok / result.duration, 1),
    latencyMs: {
      p50: result.latency.p50,
      p99: result.latency.p99,
      max: result.latency.max,
      mean: round(result.latency.average, 2),
    },
    logsAcked,
    statusCodes,
    transportErrors: result.errors,
    timeouts: result.timeouts,
  };
}
