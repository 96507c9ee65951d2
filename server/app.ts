import fastify, { type FastifyInstance } from 'fastify';
import type pg from 'pg';
import { MAX_BODY_BYTES } from '../protocol/index.js';
import { registerEnrollRoute } from './agent-plane/enroll-route.js';
import { InFlightLimit } from './agent-plane/in-flight-limit.js';
import { registerNoopRoute } from './agent-plane/noop-route.js';
import { recordProvisionedConnectors } from './agent-plane/provisioned-connectors.js';
import { registerReplicateRoute } from './agent-plane/replicate-route.js';
import { CHANNELS, NotificationListener } from './cache/notifications.js';
import { PolicyCache } from './cache/policy-cache.js';
import { RevokedAgents } from './cache/revocations.js';
import { TaskHints } from './cache/task-hints.js';
import { installBearerAuth } from './console/auth.js';
import { registerRehearsalRoutes } from './console/rehearsal-routes.js';
import { registerConsoleRoutes } from './console/routes.js';
import { registerConsoleWeb } from './console/static.js';
import { EnrollmentService } from './enrollment/enrollment-service.js';
import type { ConnectionLimits } from './http/connection-hygiene.js';
import { registerHealthRoutes } from './http/health-routes.js';
import { guardListener, HTTP2_SETTINGS } from './http/listener-guards.js';
import { installOpenApi } from './http/openapi.js';
import { TLS_SESSION_TIMEOUT_SECONDS } from './http/tls-sessions.js';
import { STRICT_BODY_COERCED_QUERY } from './http/validation.js';
import { type GroupCommitOptions, GroupCommitter } from './ingest/group-commit.js';
import { LoadGovernor } from './ingest/load-governor.js';
import { OverloadGuard } from './ingest/overload-guard.js';
import { loadAgentCertificateAuthority } from './pki/index.js';
import { startServiceFaults } from './service-faults.js';
import { listenAll, startServiceBase, urlOf } from './service-runtime.js';
import { DatabaseUnavailableError } from './store/database-errors.js';
import type { DatabaseHealthOptions } from './store/database-health.js';
import { migrate } from './store/migrate.js';
import { applyRetention } from './store/retention.js';
import { registerGuardGauges } from './telemetry/guard-gauges.js';
import { ServerTelemetry } from './telemetry/server-telemetry.js';

/**
 * Memory the agent plane lets request bodies hold at once (read, then parsed until answered,
 * by the estimate of http/json-body.ts). Ours: about five full-size (4 MiB) bodies of the
 * costliest shape, or ten thousand ordinary replications (~9 KiB each, estimated) in flight.
 * With the console's 16 MiB this is what the RSS bound in README ("Hostile peers") rests on.
 */
export const DEFAULT_AGENT_BODY_BUDGET_BYTES = 96 * 1024 * 1024;
export const CONSOLE_BODY_BUDGET_BYTES = 16 * 1024 * 1024;
/** Replications one agent may have in flight. Ours: a real agent has one; room for a retry. */
export const DEFAULT_MAX_IN_FLIGHT_PER_AGENT = 4;

export interface ServerOptions {
  /** Holds the PKI, the admin token and (without databaseUrl) the embedded PostgreSQL. */
  readonly dataDir: string;
  /** Listen address for both planes. @default '127.0.0.1' */
  readonly host?: string;
  /** @default 2222 (0 picks a free port) */
  readonly agentPort?: number;
  /** @default 2223 (0 picks a free port) */
  readonly consolePort?: number;
  /** Names the server certificate covers besides the listen address. @default ['localhost'] */
  readonly hostnames?: readonly string[];
  /** Any PostgreSQL; without it an embedded one runs in `<dataDir>/pg`. */
  readonly databaseUrl?: string;
  /** The interval agents are told before any stretch. @default 600 */
  readonly intervalSeconds?: number;
  readonly groupCommit?: Omit<GroupCommitOptions, 'agentsWithTasks' | 'onFlushed'>;
  /** Event-loop p99 delay that makes the agent plane shed load. @default 250 */
  readonly maxEventLoopDelayMs?: number;
  /** Adds POST /v1/noop (mTLS, no storage) for benchmarks. @default false */
  readonly noopRoute?: boolean;
  /** Timeouts and caps of each listener (connection-hygiene.ts). @default DEFAULT_CONNECTION_LIMITS */
  readonly connections?: { readonly agent?: ConnectionLimits; readonly console?: ConnectionLimits };
  /** Bytes of request bodies the agent plane holds at once. @default DEFAULT_AGENT_BODY_BUDGET_BYTES */
  readonly agentBodyBudgetBytes?: number;
  /** @default DEFAULT_MAX_IN_FLIGHT_PER_AGENT */
  readonly maxInFlightPerAgent?: number;
  /** How the database is probed (tests shorten it). */
  readonly databaseHealth?: Omit<DatabaseHealthOptions, 'onChange'>;
  /** Structured error lines (JSON, rate limited). @default the `log` function */
  readonly errorLog?: (line: string) => void;
  /** Folder of a running `smc rehearse`'s HTML reports, offered to the console. @default none */
  readonly rehearsalReportsDir?: string;
  /** Progress lines for the operator. @default discarded */
  readonly log?: (line: string) => void;
}

export interface RunningServer {
  readonly agentUrl: string;
  readonly consoleUrl: string;
  readonly caFile: string;
  readonly adminTokenFile: string;
  readonly adminToken: string;
  readonly caCertPem: string;
  readonly databaseUrl: string;
  readonly pool: pg.Pool;
  /** Stop accepting, commit and answer what is queued, then close everything. */
  close(): Promise<void>;
}

/** Builds and starts both listeners on one database. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const log = options.log ?? (() => {});
  const host = options.host ?? '127.0.0.1';
  const base = await startServiceBase({
    dataDir: options.dataDir,
    host,
    ...(options.hostnames ? { hostnames: options.hostnames } : {}),
    ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
    migrate: (pool) => migrate(pool),
    ca: { label: 'agent CA' },
    log,
  });
  const { databaseUrl, pool, pki, cleanups } = base;

  try {
    const ca = await loadAgentCertificateAuthority(pki);

    const telemetry = new ServerTelemetry();
    const policy = new PolicyCache(pool);
    const hints = new TaskHints(pool);
    const revoked = new RevokedAgents(pool);
    await Promise.all([policy.reload(), hints.reload(), revoked.reload()]);
    hints.startPruning();
    cleanups.push(() => hints.stop());
    revoked.startReloading();
    cleanups.push(() => revoked.stop());
    const listener = new NotificationListener(databaseUrl, () => {
      void policy.reload().catch(() => {});
      void hints.reload().catch(() => {});
      void revoked.reload().catch(() => {});
    });
    listener.on(CHANNELS.policy, () => void policy.reload().catch(() => {}));
    listener.on(CHANNELS.tasks, (taskId) => void hints.addTask(taskId).catch(() => {}));
    listener.on(CHANNELS.revocations, (agentId) => revoked.add(agentId));
    await listener.start();
    cleanups.push(() => listener.stop());

    let committer: GroupCommitter | undefined;
    const { errorLog, database, faults } = startServiceFaults({
      service: 'smc-server',
      databaseUrl,
      write: options.errorLog ?? log,
      ...(options.databaseHealth ? { health: options.databaseHealth } : {}),
      // Replications waiting on a database that froze are answered now (503), not when
      // their query times out.
      onDatabaseChange: (available, status) => {
        if (!available)
          committer?.failCommitting(new DatabaseUnavailableError(status.reason ?? 'unavailable'));
      },
      cleanups,
    });

    committer = new GroupCommitter(pool, {
      ...options.groupCommit,
      agentsWithTasks: hints.agents,
      onFlushed: ({ size, ms, logsStored }) => telemetry.flushed(size, ms, logsStored),
      database,
      onRefused: (agentId, error) => {
        telemetry.refusedItems.inc();
        errorLog.expected('replication-refused-by-database', error, {
          agentId,
          step: (error as { step?: string }).step,
        });
      },
    });
    const governor = new LoadGovernor({ baseIntervalSeconds: options.intervalSeconds ?? 600 });
    const sampler = setInterval(() => governor.sample(committer.busyMs, committer.slots), 1_000);
    sampler.unref();
    cleanups.push(() => clearInterval(sampler));
    const guard = new OverloadGuard(options.maxEventLoopDelayMs ?? 250);
    guard.start();
    cleanups.push(() => guard.stop());
    const enrollment = new EnrollmentService(pool, ca);

    const tls = {
      key: pki.serverKeyPem,
      cert: pki.serverCertPem,
      minVersion: 'TLSv1.2' as const,
      sessionTimeout: TLS_SESSION_TIMEOUT_SECONDS,
    };
    const agentApp = fastify({
      schemaController: STRICT_BODY_COERCED_QUERY,
      http2: true,
      https: {
        ...tls,
        allowHTTP1: true,
        ca: [pki.caCertPem],
        requestCert: true,
        rejectUnauthorized: false,
        settings: HTTP2_SETTINGS,
        // Node refuses new streams (ENHANCE_YOUR_CALM) past this many MB held by a session;
        // bodies held count. An agent within its in-flight bound with full-size bodies fits,
        // so a flood meets the body budget's 503 + Retry-After, not a reset. Ours.
        maxSessionMemory: Math.ceil(
          ((options.maxInFlightPerAgent ?? DEFAULT_MAX_IN_FLIGHT_PER_AGENT) *
            MAX_BODY_BYTES *
            1.5) /
            (1024 * 1024),
        ),
      },
      bodyLimit: MAX_BODY_BYTES,
      logger: false,
      return503OnClosing: true,
    }) as unknown as FastifyInstance;
    recordProvisionedConnectors(agentApp.server, pool, (error) =>
      errorLog.unexpected('provisioned-connector-record', error),
    );
    let closing = false;
    const agentGuards = guardListener(agentApp, {
      name: 'agent',
      bodyBudgetBytes: options.agentBodyBudgetBytes ?? DEFAULT_AGENT_BODY_BUDGET_BYTES,
      connections: options.connections?.agent,
      faults,
      database,
      needsDatabase: (path) => path === '/v1/enroll' || path === '/v1/replicate',
    });
    registerHealthRoutes(agentApp, { database, closing: () => closing });
    await installOpenApi(agentApp, {
      title: 'smc-kit agent plane',
      description: 'Wire protocol v1: enrollment and replication over mutual TLS + HTTP/2',
      path: '/v1/openapi.json',
    });
    registerEnrollRoute(agentApp, { enrollment, telemetry });
    registerReplicateRoute(agentApp, {
      committer,
      governor,
      guard,
      policy,
      telemetry,
      revoked,
      inFlight: new InFlightLimit(options.maxInFlightPerAgent ?? DEFAULT_MAX_IN_FLIGHT_PER_AGENT),
      jitterFraction: 0.1,
    });
    if (options.noopRoute) registerNoopRoute(agentApp, { revoked, telemetry });

    const consoleApp = fastify({
      https: tls,
      schemaController: STRICT_BODY_COERCED_QUERY,
      logger: false,
    }) as unknown as FastifyInstance;
    const consoleGuards = guardListener(consoleApp, {
      name: 'console',
      bodyBudgetBytes: CONSOLE_BODY_BUDGET_BYTES,
      connections: options.connections?.console,
      faults,
      database,
      needsDatabase: (path) => path.startsWith('/api/') && !path.startsWith('/api/rehearsal'),
    });
    registerGuardGauges(telemetry.registry, 'smc', [agentGuards, consoleGuards], database);
    installBearerAuth(consoleApp, pki.adminToken);
    registerHealthRoutes(consoleApp, { database, closing: () => closing });
    await installOpenApi(consoleApp, {
      title: 'smc-kit console API',
      description: 'Computers, tasks, policy, clones, enrollment tokens, stats',
      path: '/openapi.json',
      bearer: true,
    });
    registerConsoleRoutes(consoleApp, { pool, enrollment, committer, governor, telemetry });
    registerRehearsalRoutes(consoleApp, { reportsDir: options.rehearsalReportsDir });
    // The web console's built files at `/` (public; the data behind them needs the token).
    registerConsoleWeb(consoleApp, { log });

    await listenAll(
      host,
      [
        { app: agentApp, port: options.agentPort ?? 2222 },
        { app: consoleApp, port: options.consolePort ?? 2223 },
      ],
      cleanups,
    );

    const retention = setInterval(() => void applyRetention(pool).catch(() => {}), 10 * 60_000);
    retention.unref();
    cleanups.push(() => clearInterval(retention));

    let closed: Promise<void> | null = null;
    return {
      agentUrl: urlOf(host, agentApp),
      consoleUrl: urlOf(host, consoleApp),
      caFile: pki.files.caFile,
      adminTokenFile: pki.files.adminTokenFile,
      adminToken: pki.adminToken,
      caCertPem: pki.caCertPem,
      databaseUrl,
      pool,
      close: () => {
        closing = true;
        closed ??= (async () => {
          // Answer everything already accepted before the listeners and the database go.
          await committer.drain();
          await cleanups.run();
        })();
        return closed;
      },
    };
  } catch (error) {
    await cleanups.run().catch(() => {});
    throw error;
  }
}
