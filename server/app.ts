import fastify, { type FastifyInstance } from 'fastify';
import type pg from 'pg';
import { MAX_BODY_BYTES } from '../protocol/index.js';
import { registerEnrollRoute } from './agent-plane/enroll-route.js';
import { registerNoopRoute } from './agent-plane/noop-route.js';
import { registerReplicateRoute } from './agent-plane/replicate-route.js';
import { CHANNELS, NotificationListener } from './cache/notifications.js';
import { PolicyCache } from './cache/policy-cache.js';
import { TaskHints } from './cache/task-hints.js';
import { installBearerAuth } from './console/auth.js';
import { registerRehearsalRoutes } from './console/rehearsal-routes.js';
import { registerConsoleRoutes } from './console/routes.js';
import { registerConsoleWeb } from './console/static.js';
import { EnrollmentService } from './enrollment/enrollment-service.js';
import { installErrorHandler } from './http/errors.js';
import { installOpenApi } from './http/openapi.js';
import { TLS_SESSION_TIMEOUT_SECONDS } from './http/tls-sessions.js';
import { STRICT_BODY_COERCED_QUERY } from './http/validation.js';
import { type GroupCommitOptions, GroupCommitter } from './ingest/group-commit.js';
import { LoadGovernor } from './ingest/load-governor.js';
import { OverloadGuard } from './ingest/overload-guard.js';
import { loadAgentCertificateAuthority } from './pki/index.js';
import { listenAll, startServiceBase, urlOf } from './service-runtime.js';
import { migrate } from './store/migrate.js';
import { applyRetention } from './store/retention.js';
import { ServerTelemetry } from './telemetry/server-telemetry.js';

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
    await Promise.all([policy.reload(), hints.reload()]);
    hints.startPruning();
    cleanups.push(() => hints.stop());
    const listener = new NotificationListener(databaseUrl, () => {
      void policy.reload().catch(() => {});
      void hints.reload().catch(() => {});
    });
    listener.on(CHANNELS.policy, () => void policy.reload().catch(() => {}));
    listener.on(CHANNELS.tasks, (taskId) => void hints.addTask(taskId).catch(() => {}));
    await listener.start();
    cleanups.push(() => listener.stop());

    const committer = new GroupCommitter(pool, {
      ...options.groupCommit,
      agentsWithTasks: hints.agents,
      onFlushed: ({ size, ms, logsStored }) => telemetry.flushed(size, ms, logsStored),
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
      },
      bodyLimit: MAX_BODY_BYTES,
      logger: false,
      return503OnClosing: true,
    }) as unknown as FastifyInstance;
    const onInternalError = (error: Error) =>
      log(`internal error: ${error.stack ?? error.message}`);
    installErrorHandler(agentApp, onInternalError);
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
      jitterFraction: 0.1,
    });
    if (options.noopRoute) registerNoopRoute(agentApp);

    const consoleApp = fastify({
      https: tls,
      schemaController: STRICT_BODY_COERCED_QUERY,
      logger: false,
    }) as unknown as FastifyInstance;
    installErrorHandler(consoleApp, onInternalError);
    installBearerAuth(consoleApp, pki.adminToken);
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

    let closing: Promise<void> | null = null;
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
        closing ??= (async () => {
          // Answer everything already accepted before the listeners and the database go.
          await committer.drain();
          await cleanups.run();
        })();
        return closing;
      },
    };
  } catch (error) {
    await cleanups.run().catch(() => {});
    throw error;
  }
}
