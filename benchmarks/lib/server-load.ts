/**
 * The benchmark's load generator, a separate process (forked by benchmarks/server.ts) so its
 * CPU is not the server's. It speaks only the wire protocol: enrolls agents, keeps one HTTP/2
 * mutual-TLS session per agent (each agent has its own certificate, so sessions cannot be
 * shared between agents), and runs the steps it is sent.
 */
import { BenchAgent } from './server-agent.js';
import { runAutocannon } from './server-autocannon.js';
import { enrollAgents } from './server-enroll.js';
import { postHttp2 } from './server-http.js';
import type { FromLoad, ToLoad } from './server-messages.js';
import { mapWithConcurrency } from './server-pool.js';
import { runStep } from './server-step.js';

const CONNECT_CONCURRENCY = 50;
const PRIME_CONCURRENCY = 100;

let agents: BenchAgent[] = [];
let agentUrl = '';
let caPem = '';

function send(message: FromLoad): void {
  process.send?.(message);
}

async function setup(message: Extract<ToLoad, { type: 'setup' }>): Promise<void> {
  agentUrl = message.agentUrl;
  caPem = message.caPem;
  let mark = performance.now();
  const lap = () => {
    const now = performance.now();
    const seconds = Math.round(now - mark) / 1_000;
    mark = now;
    return seconds;
  };
  const identities = await enrollAgents({
    agentUrl,
    caPem,
    token: message.token,
    count: message.agents,
    concurrency: message.enrollConcurrency,
    timeoutMs: message.timeoutMs,
  });
  const enrollSeconds = lap();
  agents = identities.map((identity, index) => new BenchAgent(identity, index, agentUrl, caPem));
  await mapWithConcurrency(agents.length, CONNECT_CONCURRENCY, (i) =>
    (agents[i] as BenchAgent).connect(message.timeoutMs),
  );
  const connectSeconds = lap();
  // One replication each, so the measured steps see known computers (steady state), not
  // first-contact inserts.
  await mapWithConcurrency(agents.length, PRIME_CONCURRENCY, async (i) => {
    const agent = agents[i] as BenchAgent;
    for (let attempt = 1; attempt <= 5; attempt++) {
      const res = await postHttp2(
        agent.connection(),
        '/v1/replicate',
        agent.replicationBody(attempt === 1 ? message.newLogs : 0),
        message.timeoutMs,
      );
      if (res.status === 200) {
        agent.acknowledge(
          (JSON.parse(res.text) as { ack: { logsThrough: number } }).ack.logsThrough,
        );
        return;
      }
      if (attempt === 5)
        throw new Error(
          `priming agent ${i}: ${res.status || res.failure} ${res.text.slice(0, 200)}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  });
  send({
    type: 'ready',
    timings: {
      agents: agents.length,
      enrollSeconds,
      connectSeconds,
      primeSeconds: lap(),
      bodyBytes: Buffer.byteLength((agents[0] as BenchAgent).noopBody(message.newLogs)),
    },
  });
}

async function handle(message: ToLoad): Promise<void> {
  switch (message.type) {
    case 'setup':
      return setup(message);
    case 'step': {
      const result = await runStep(agents, message.plan, {
        onWindowStart: () => send({ type: 'window-start' }),
        onWindowEnd: () => send({ type: 'window-end' }),
      });
      send({ type: 'step-result', result });
      return;
    }
    case 'autocannon': {
      const result = await runAutocannon(agents, agentUrl, caPem, message.plan);
      send({ type: 'autocannon-result', result });
      return;
    }
    case 'exit':
      for (const agent of agents) agent.close();
      process.disconnect?.();
      return;
  }
}

process.on('message', (message: ToLoad) => {
  handle(message).catch((error: unknown) => {
    send({
      type: 'failed',
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
  });
});
// The parent going away ends the load, whatever step is running.
process.on('disconnect', () => process.exit(0));
