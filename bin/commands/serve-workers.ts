import type { WorkerEnvironment, WorkerMessage } from '../../server/index.js';
import { type ServeOptions, serverOptionsFrom } from '../cli/serve-options.js';
import { gracefulShutdown, writeReadyFile } from '../cli/service-lifecycle.js';

/**
 * `smc serve --workers N`: the primary prepares what must happen once (data folder, embedded
 * PostgreSQL, migrations, PKI), then runs N agent-plane workers on the agent port; worker 1 also
 * serves the console API and the push broker and runs the retention job.
 */
export async function runServePrimary(
  options: ServeOptions,
  databaseUrl: string | undefined,
  log: (line: string) => void,
): Promise<number> {
  // Loaded here, not at the top: `smc plan` must not pay for fastify and pg.
  const { AgentWorkers, migrate, startServiceBase } = await import('../../server/index.js');
  const base = await startServiceBase({
    dataDir: options.dataDir,
    host: options.host,
    hostnames: options.hostname,
    ...(databaseUrl ? { databaseUrl } : {}),
    migrate: (pool) => migrate(pool),
    ca: { label: 'agent CA' },
    log,
  });
  const workers = new AgentWorkers({
    workers: options.workers,
    databaseUrl: base.databaseUrl,
    log,
    // A worker drains for --drain before it stops, then finishes what it holds.
    stopTimeoutMs: (options.drain + 30) * 1_000,
  });
  const stopped = gracefulShutdown(
    async () => {
      await workers.stop();
      await base.cleanups.run().catch(() => {});
    },
    log,
    `stopping ${options.workers} workers (each finishes its in-flight replications)`,
  );
  let ready: Awaited<ReturnType<typeof workers.start>>;
  try {
    log(`starting ${options.workers} agent-plane workers`);
    ready = await workers.start();
  } catch (error) {
    await base.cleanups.run().catch(() => {});
    throw error;
  }
  log(
    `agents:  ${ready.agentUrl}  (POST /v1/enroll, /v1/replicate; ${options.workers} workers: ${workers.pids().join(', ')})`,
  );
  log(`console: ${ready.consoleUrl}  (admin token in ${base.pki.files.adminTokenFile})`);
  log(`CA:      ${base.pki.files.caFile}`);
  if (ready.pushUrl) log(`push:    ${ready.pushUrl}  (wake-up calls, MQTT over TLS)`);
  if (options.readyFile) {
    await writeReadyFile(options.readyFile, {
      agentUrl: ready.agentUrl,
      consoleUrl: ready.consoleUrl,
      caFile: base.pki.files.caFile,
      adminTokenFile: base.pki.files.adminTokenFile,
      pid: process.pid,
      workers: workers.pids(),
      ...(ready.pushUrl ? { pushUrl: ready.pushUrl } : {}),
    });
  }
  await stopped;
  log(`stopped (${workers.restarts} worker restarts)`);
  return 0;
}

/** One agent-plane worker: the server on the shared port, told to the primary when it listens. */
export async function runServeWorker(
  options: ServeOptions,
  worker: WorkerEnvironment,
  external: { url: string; certPem: string; keyPem: string } | undefined,
): Promise<number> {
  const { startServer } = await import('../../server/index.js');
  const log = (line: string) =>
    process.stderr.write(`smc serve [worker ${worker.index}]: ${line}\n`);
  const tell = (message: WorkerMessage) => process.send?.(message);
  const lead = worker.index === 1;
  const base = serverOptionsFrom(options, { databaseUrl: worker.databaseUrl, external, log });
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer({
      ...base,
      consolePlane: lead,
      // POST /api/drain on worker 1 drains the whole node: the primary stops every worker.
      ...(lead ? { onDrainRequested: () => process.kill(process.ppid, 'SIGTERM') } : {}),
      tlsTicketKeys: worker.ticketKeys,
      ...(lead ? {} : { push: false }),
      // Only the lead says what it applied; the others find nothing left to do.
      log: lead ? log : () => {},
    });
  } catch (error) {
    tell({ kind: 'smc-worker-failed', index: worker.index, message: (error as Error).message });
    throw error;
  }
  const { DRAIN_QUIET_MS } = await import('../../server/index.js');
  // SIGTERM comes from the primary (its own SIGTERM, or POST /api/drain on worker 1): each
  // worker drains for --drain first, as one `smc serve` would.
  const stopped = gracefulShutdown(
    async () => {
      if (options.drain > 0) {
        const drained = await server.drain.settle({
          quietMs: DRAIN_QUIET_MS,
          boundMs: options.drain * 1_000,
        });
        log(
          drained.timedOut
            ? `drain bound reached after ${drained.ms} ms with ${drained.inFlight} in flight (not acknowledged: their agents resend)`
            : `drained in ${drained.ms} ms`,
        );
      }
      await server.close();
    },
    log,
    'finishing in-flight replications',
  );
  tell({
    kind: 'smc-worker-ready',
    index: worker.index,
    agentUrl: server.agentUrl,
    consoleUrl: server.consoleUrl,
    pushUrl: server.push?.url ?? null,
  });
  await stopped;
  return 0;
}
