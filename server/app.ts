import type { Http2SecureServer } from 'node:http2';
import fastify, { type FastifyInstance, LogController } from 'fastify';
import type pg from 'pg';
import { DEFAULT_PUSH_PORT, MAX_BODY_BYTES } from '../protocol/index.js';
import { CoreAgentRoutes } from './agent-plane/core/agent-routes.js';
import { registerEnrollRoute } from './agent-plane/enroll-route.js';
import { InFlightLimit } from './agent-plane/in-flight-limit.js';
import { registerNoopRoute } from './agent-plane/noop-route.js';
import { recordProvisionedConnectors } from './agent-plane/provisioned-connectors.js';
import { registerReplicateRoute } from './agent-plane/replicate-route.js';
import type { ReplicateDeps } from './agent-plane/replication.js';
import { registerSightingsRoute } from './agent-plane/sightings-route.js';
import { CHANNELS, NotificationListener } from './cache/notifications.js';
import { PolicyCache } from './cache/policy-cache.js';
import { RevokedAgents } from './cache/revocations.js';
import { TaskHints } from './cache/task-hints.js';
import { installBearerAuth } from './console/auth.js';
import { registerInsightRoutes } from './console/insight-routes.js';
import { registerRehearsalRoutes } from './console/rehearsal-routes.js';
import { registerConsoleRoutes } from './console/routes.js';
import { registerSimulationRoutes } from './console/simulation-routes.js';
import { registerConsoleWeb } from './console/static.js';
import { EnrollmentService } from './enrollment/enrollment-service.js';
import type { ConnectionLimits } from './http/connection-hygiene.js';
import { registerHealthRoutes } from './http/health-routes.js';
import { guardListener, HTTP2_SETTINGS } from './http/listener-guards.js';
import { installOpenApi } from './http/openapi.js';
import { agentConnectionLimits, agentSessionIdleTimeoutMs } from './http/session-timeout.js';
import { TLS_SESSION_TIMEOUT_SECONDS } from './http/tls-sessions.js';
import { STRICT_BODY_COERCED_QUERY } from './http/validation.js';
import { type GroupCommitOptions, GroupCommitter } from './ingest/group-commit.js';
import { LoadGovernor } from './ingest/load-governor.js';
import { OverloadGuard } from './ingest/overload-guard.js';
import { Drain } from './lifecycle/drain.js';
import { installDrainAdmission } from './lifecycle/drain-hook.js';
import { applicationNameOf, smcKitVersion } from './lifecycle/server-identity.js';
import { loadAgentCertificateAuthority } from './pki/index.js';
import { PushService } from './push/push-service.js';
import { startServiceFaults } from './service-faults.js';
import { listenAll, startServiceBase, urlOf } from './service-runtime.js';
import { distributeIfCitus } from './store/citus-distribution.js';
import { DatabaseUnavailableError } from './store/database-errors.js';
import type { DatabaseHealthOptions } from './store/database-health.js';
import { ensureLogPartitions } from './store/log-partitions.js';
import { migrate } from './store/migrate.js';
import { MIGRATIONS } from './store/migrations/index.js';
import { applyRetention } from './store/retention.js';
import { createServiceLogger, type LogLevel } from './telemetry/error-log.js';
import { registerGuardGauges } from './telemetry/guard-gauges.js';
import { registerOperatorGauges } from './telemetry/operator-gauges.js';
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
  /**
   * Level of the structured (pino JSON) log through `errorLog`: error lines, state changes,
   * fastify's own lines and, with `logRequests`, one line per request. @default 'info'
   */
  readonly logLevel?: LogLevel;
  /** fastify's request log: a line when each request arrives and when it is answered. @default false */
  readonly logRequests?: boolean;
  /** Folder of a running `smc rehearse`'s HTML reports, offered to the console. @default none */
  readonly rehearsalReportsDir?: string;
  /** Take POST /api/simulation/seed (a rehearsal's throwaway server). @default false */
  readonly allowSimulationSeed?: boolean;
  /** Progress lines for the operator. @default discarded */
  readonly log?: (line: string) => void;
  /** The version this server announces on the database (a rehearsal plays others). @default smc-kit's */
  readonly version?: string;
  /**
   * Play a server that knows migrations up to this one only (a rehearsal's "FROM" node):
   * it applies no later ones and announces this level. @default the newest migration
   */
  readonly schemaLevel?: number;
  /**
   * The embedded push broker (MQTT over TLS) for wake-up calls, on `port`; or `external`: publish
   * on the deployment's broker (Mosquitto) with a publisher certificate; false: none.
   * @default { port: 8883 }, or a free port when `agentPort` is 0 (a throwaway server)
   */
  /** POST /api/drain was called: the caller (smc serve) drains and then stops the process. */
  readonly onDrainRequested?: () => void;
  /**
   * false: an extra agent-plane process of `smc serve --workers N`: no console listener and no
   * retention job (the first worker runs them once for all). @default true
   */
  readonly consolePlane?: boolean;
  /**
   * TLS session ticket keys (48 bytes) shared by every agent-plane process on one port, so an
   * agent that reconnects to another worker still resumes its session. @default per process
   */
  readonly tlsTicketKeys?: Buffer;
  readonly push?:
    | {
        readonly port?: number;
        readonly external?: {
          readonly url: string;
          readonly certPem: string;
          readonly keyPem: string;
        };
      }
    | false;
}

export interface RunningServer {
  /** Rolling upgrades: take this node out of rotation (503 + Retry-After, health says draining). */
  readonly drain: Drain;
  readonly agentUrl: string;
  /** Empty in an agent-plane-only worker (`consolePlane: false`). */
  readonly consoleUrl: string;
  readonly caFile: string;
  readonly adminTokenFile: string;
  readonly adminToken: string;
  readonly caCertPem: string;
  readonly databaseUrl: string;
  readonly pool: pg.Pool;
  /** The push channel (null with `push: false`): its URL, and stop/start for outages. */
  readonly push: PushService | null;
  /** Stop accepting, commit and answer what is queued, then close everything. */
  close(): Promise<void>;
}

/** Jitter agents add to `next.intervalSeconds`, as a fraction of it (ours: 10 %). */
const JITTER_FRACTION = 0.1;
/** The most the load governor stretches the interval (its own default, said here once). */
const MAX_INTERVAL_STRETCH = 4;

/** The schema level from which logs are partitioned by week (migration 12). */
const PARTITIONED_LOGS_LEVEL = 12;

/** Builds and starts both listeners on one database. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const log = options.log ?? (() => {});
  const host = options.host ?? '127.0.0.1';
  const newest = Math.max(...MIGRATIONS.map((m) => m.version));
  const level = options.schemaLevel ?? newest;
  if (!Number.isInteger(level) || level < 1 || level > newest)
    throw new RangeError(`schemaLevel: must be an integer from 1 to ${newest} (got ${level})`);
  const known = MIGRATIONS.filter((m) => m.version <= level);
  const base = await startServiceBase({
    applicationName: applicationNameOf({
      version: options.version ?? smcKitVersion(),
      schemaLevel: level,
      pid: process.pid,
    }),
    dataDir: options.dataDir,
    host,
    ...(options.hostnames ? { hostnames: options.hostnames } : {}),
    ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
    // On Cosmos DB for PostgreSQL (Citus) the per-agent tables are then sharded by agent_id.
    migrate: async (pool) => {
      const report = await migrate(pool, known);
      await distributeIfCitus(pool);
      // This week and the next ones get their log partitions before the first insert
      // (migration 12); the retention timer keeps them ahead afterwards.
      if (level >= PARTITIONED_LOGS_LEVEL) await ensureLogPartitions(pool);
      return report;
    },
    ca: { label: 'agent CA' },
    log,
  });
  const { databaseUrl, pool, pki, cleanups } = base;

  try {
    const ca = await loadAgentCertificateAuthority(pki);

    const telemetry = new ServerTelemetry();
    const writeLine = options.errorLog ?? log;
    const logLevel = options.logLevel ?? 'info';
    let committer: GroupCommitter | undefined;
    const { errorLog, database, faults } = startServiceFaults({
      service: 'smc-server',
      databaseUrl,
      write: writeLine,
      level: logLevel,
      ...(options.databaseHealth ? { health: options.databaseHealth } : {}),
      // Replications waiting on a database that froze are answered now (503), not when
      // their query times out.
      onDatabaseChange: (available, status) => {
        if (!available)
          committer?.failCommitting(new DatabaseUnavailableError(status.reason ?? 'unavailable'));
      },
      cleanups,
    });
    // Background work that fails is logged (rate limited), never swallowed: a cache that
    // cannot reload serves stale policy until the next notification, and an operator must see it.
    const logged = (errorClass: string) => (error: unknown) => errorLog.expected(errorClass, error);
    const policy = new PolicyCache(pool);
    const hints = new TaskHints(pool);
    const revoked = new RevokedAgents(pool);
    await Promise.all([policy.reload(), hints.reload(), revoked.reload()]);
    hints.startPruning(logged('task-hints-reload'));
    cleanups.push(() => hints.stop());
    // A failed reload keeps the last set (news still arrives by NOTIFY); the log says so.
    revoked.startReloading(logged('revocations-reload'));
    cleanups.push(() => revoked.stop());
    // Built now so the task and policy news below can wake agents; it listens further down.
    const push =
      options.push === false
        ? null
        : new PushService({
            host,
            port: options.push?.port ?? (options.agentPort === 0 ? 0 : DEFAULT_PUSH_PORT),
            keyPem: pki.serverKeyPem,
            certPem: pki.serverCertPem,
            agentCaPem: pki.caCertPem,
            isRevoked: (agentId) => revoked.has(agentId),
            pool,
            registry: telemetry.registry,
            log,
            onPublishError: logged('wake-up-publish'),
            ...(options.push?.external
              ? { external: { ...options.push.external, caPem: pki.caCertPem } }
              : {}),
          });
    const listener = new NotificationListener(databaseUrl, () => {
      void policy.reload().catch(logged('policy-reload'));
      void hints.reload().catch(logged('task-hints-reload'));
      void revoked.reload().catch(logged('revocations-reload'));
    });
    listener.on(CHANNELS.policy, () => {
      void policy.reload().catch(logged('policy-reload'));
      push?.policyChanged();
    });
    listener.on(CHANNELS.tasks, (taskId) => {
      // Wake the agents only once the hint is in: a woken agent that replicated before it
      // would be told "nothing to do".
      void hints
        .addTask(taskId)
        .catch(logged('task-hints-add'))
        .finally(() => push?.taskCreated(taskId));
    });
    listener.on(CHANNELS.revocations, (agentId) => revoked.add(agentId));
    await listener.start();
    cleanups.push(() => listener.stop());
    // fastify's own logger, in the same JSON shape as the error lines.
    const serviceLogger = createServiceLogger('smc-server', writeLine, logLevel);
    const fastifyLogging = (listenerName: string) => ({
      loggerInstance: serviceLogger.child({ listener: listenerName }),
      logController: new LogController({ disableRequestLogging: options.logRequests !== true }),
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
    const intervalSeconds = options.intervalSeconds ?? 600;
    const governor = new LoadGovernor({
      baseIntervalSeconds: intervalSeconds,
      maxStretch: MAX_INTERVAL_STRETCH,
    });
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
    // Persistent agent sessions outlast the longest interval the server may tell (both the
    // HTTP/2 session timeout and the connection hygiene's idle close follow it).
    const agentIdleMs = agentSessionIdleTimeoutMs(
      intervalSeconds,
      MAX_INTERVAL_STRETCH,
      JITTER_FRACTION,
    );
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
      http2SessionTimeout: agentIdleMs,
      ...fastifyLogging('agent'),
      return503OnClosing: true,
    }) as unknown as FastifyInstance;
    if (options.tlsTicketKeys)
      (agentApp.server as unknown as { setTicketKeys(keys: Buffer): void }).setTicketKeys(
        options.tlsTicketKeys,
      );
    recordProvisionedConnectors(agentApp.server, pool, (error) =>
      errorLog.unexpected('provisioned-connector-record', error),
    );
    let closing = false;
    const agentGuards = guardListener(agentApp, {
      name: 'agent',
      bodyBudgetBytes: options.agentBodyBudgetBytes ?? DEFAULT_AGENT_BODY_BUDGET_BYTES,
      connections: agentConnectionLimits(agentIdleMs, options.connections?.agent),
      faults,
      database,
      needsDatabase: (path) =>
        path === '/v1/enroll' || path === '/v1/replicate' || path === '/v1/sightings',
    });
    // Before any route: a draining node refuses every new agent-plane POST in one place.
    const drain = new Drain();
    drain.watch(agentApp.server);
    installDrainAdmission(agentApp, drain);
    registerHealthRoutes(agentApp, { database, closing: () => closing, drain });
    await installOpenApi(agentApp, {
      title: 'smc-kit agent plane',
      description: 'Wire protocol v1: enrollment and replication over mutual TLS + HTTP/2',
      path: '/v1/openapi.json',
    });
    registerEnrollRoute(agentApp, { enrollment, telemetry });
    const replicateDeps: ReplicateDeps = {
      committer,
      governor,
      guard,
      policy,
      telemetry,
      revoked,
      inFlight: new InFlightLimit(options.maxInFlightPerAgent ?? DEFAULT_MAX_IN_FLIGHT_PER_AGENT),
      jitterFraction: JITTER_FRACTION,
    };
    // fastify's routes stay for HTTP/1.1 peers and the OpenAPI document; HTTP/2 streams of the
    // hot routes are answered on the core stream API (agent-plane/core/), in front of fastify.
    registerReplicateRoute(agentApp, replicateDeps);
    if (options.noopRoute) registerNoopRoute(agentApp, { revoked, telemetry });
    registerSightingsRoute(agentApp, { pool, revoked, telemetry });
    let agentAppClosing = false;
    agentApp.addHook('preClose', (done) => {
      agentAppClosing = true;
      done();
    });
    new CoreAgentRoutes({
      replicate: replicateDeps,
      budget: agentGuards.budget,
      database,
      faults,
      drain,
      noop: options.noopRoute === true,
      requestLog: options.logRequests === true ? agentApp.log : null,
      closing: () => agentAppClosing,
    }).install(agentApp.server as unknown as Http2SecureServer);

    const consoleApp = fastify({
      https: tls,
      schemaController: STRICT_BODY_COERCED_QUERY,
      ...fastifyLogging('console'),
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
    registerOperatorGauges(telemetry.registry, {
      committer,
      governor,
      telemetry,
      pool,
      onError: logged('metrics-agents-seen'),
    });
    installBearerAuth(consoleApp, pki.adminToken);
    registerHealthRoutes(consoleApp, { database, closing: () => closing, drain });
    await installOpenApi(consoleApp, {
      title: 'smc-kit console API',
      description: 'Computers, tasks, policy, clones, enrollment tokens, stats',
      path: '/openapi.json',
      bearer: true,
    });
    registerInsightRoutes(consoleApp, { pool, telemetry, committer, governor });
    registerConsoleRoutes(consoleApp, {
      pool,
      enrollment,
      committer,
      governor,
      telemetry,
      drain,
      ...(options.onDrainRequested ? { onDrainRequested: options.onDrainRequested } : {}),
    });
    registerRehearsalRoutes(consoleApp, { reportsDir: options.rehearsalReportsDir });
    registerSimulationRoutes(consoleApp, { pool, allowSeed: options.allowSimulationSeed === true });
    // The web console's built files at `/` (public; the data behind them needs the token).
    registerConsoleWeb(consoleApp, { log });

    const consolePlane = options.consolePlane !== false;
    await listenAll(
      host,
      [
        { app: agentApp, port: options.agentPort ?? 2222 },
        ...(consolePlane ? [{ app: consoleApp, port: options.consolePort ?? 2223 }] : []),
      ],
      cleanups,
    );
    if (!consolePlane) cleanups.push(() => consoleApp.close());

    if (push) {
      await push.start();
      cleanups.push(() => push.stop());
    }

    if (consolePlane) {
      const retention = setInterval(
        () => void applyRetention(pool).catch(logged('retention')),
        10 * 60_000,
      );
      retention.unref();
      cleanups.push(() => clearInterval(retention));
    }

    let closed: Promise<void> | null = null;
    return {
      agentUrl: urlOf(host, agentApp),
      consoleUrl: consolePlane ? urlOf(host, consoleApp) : '',
      caFile: pki.files.caFile,
      adminTokenFile: pki.files.adminTokenFile,
      adminToken: pki.adminToken,
      caCertPem: pki.caCertPem,
      databaseUrl,
      pool,
      push,
      drain,
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
