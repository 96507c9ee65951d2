import { hostname as osHostname } from 'node:os';
import fastify, { type FastifyInstance } from 'fastify';
import type pg from 'pg';
import { DEFAULT_MDM_DEVICE_PORT, DEFAULT_MDM_ENROLL_PORT } from '../../protocol/index.js';
import type { ConnectionLimits } from '../http/connection-hygiene.js';
import { registerHealthRoutes } from '../http/health-routes.js';
import { guardListener, HTTP2_SETTINGS } from '../http/listener-guards.js';
import { TLS_SESSION_TIMEOUT_SECONDS } from '../http/tls-sessions.js';
import { STRICT_BODY_COERCED_QUERY } from '../http/validation.js';
import { loadAgentCertificateAuthority } from '../pki/index.js';
import { startServiceFaults } from '../service-faults.js';
import { listenAll, startServiceBase, urlOf } from '../service-runtime.js';
import type { DatabaseHealthOptions } from '../store/database-health.js';
import { migrate } from '../store/migrate.js';
import { registerGuardGauges } from '../telemetry/guard-gauges.js';
import { CheckInPolicy } from './check-in-policy.js';
import { CheckInService } from './check-in-service.js';
import { DeviceCount } from './device-count.js';
import { DeviceEnrollment } from './device-enrollment.js';
import { registerAdminRoutes } from './http/admin-routes.js';
import { registerCheckInRoute, registerDeviceEnrollRoute } from './http/device-routes.js';
import { loadOrEnrollRelayIdentity, type RelayEnrollment } from './relay/relay-identity.js';
import { ServerRelay } from './relay/server-relay.js';
import { MDM_MIGRATIONS, MDM_MIGRATIONS_TABLE } from './store/migrations.js';
import { ConnectorTelemetry } from './telemetry/connector-telemetry.js';

/** Check-in bodies are small; a larger one is a mistake or an attack. Ours. */
const MAX_DEVICE_BODY_BYTES = 256 * 1024;
/** Memory each connector listener lets bodies hold at once. Ours: 128 full-size check-ins. */
const DEVICE_BODY_BUDGET_BYTES = 32 * 1024 * 1024;

export interface ConnectorOptions {
  /** The connector's own folder: its device CA and admin token (pki/), relay identity, embedded PostgreSQL. */
  readonly dataDir: string;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** @default 9980 (0 picks a free port) */
  readonly enrollPort?: number;
  /** @default 9981 (0 picks a free port) */
  readonly devicePort?: number;
  /** Names the connector certificate covers besides the listen address. @default ['localhost'] */
  readonly hostnames?: readonly string[];
  /** Any PostgreSQL (the connector keeps to schema `mdm`); without it an embedded one runs in `<dataDir>/pg`. */
  readonly databaseUrl?: string;
  /** How the connector becomes an agent of the management server. */
  readonly server: RelayEnrollment;
  /** @default 5000 */
  readonly relayIntervalMs?: number;
  /** @default 300 */
  readonly checkInIntervalSeconds?: number;
  /**
   * Check-ins per second the connector plans for: past `budget x interval` devices, the
   * interval told to devices stretches (see CheckInPolicy). @default 50
   */
  readonly checkInBudgetPerSecond?: number;
  /** @default 86400 */
  readonly summaryRefreshSeconds?: number;
  /** Timeouts and caps of each listener (connection-hygiene.ts). */
  readonly connections?: { readonly enroll?: ConnectionLimits; readonly device?: ConnectionLimits };
  /** How the database is probed (tests shorten it). */
  readonly databaseHealth?: Omit<DatabaseHealthOptions, 'onChange'>;
  readonly log?: (line: string) => void;
  /** Structured error lines (JSON, rate limited). @default the `log` function */
  readonly errorLog?: (line: string) => void;
}

export interface RunningConnector {
  readonly enrollUrl: string;
  readonly deviceUrl: string;
  readonly caFile: string;
  readonly caCertPem: string;
  readonly adminToken: string;
  readonly adminTokenFile: string;
  readonly relayAgentId: string;
  readonly databaseUrl: string;
  readonly pool: pg.Pool;
  /** Stop taking check-ins, let the relay finish its round, close everything. */
  close(): Promise<void>;
}

/** The Mobile Device Connector: its own service, data folder, PKI, schema and listeners. */
export async function startConnector(options: ConnectorOptions): Promise<RunningConnector> {
  const log = options.log ?? (() => {});
  const host = options.host ?? '127.0.0.1';
  const base = await startServiceBase({
    dataDir: options.dataDir,
    host,
    ...(options.hostnames ? { hostnames: options.hostnames } : {}),
    ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
    migrate: async (pool) => {
      await pool.query('CREATE SCHEMA IF NOT EXISTS mdm');
      return migrate(pool, MDM_MIGRATIONS, { table: MDM_MIGRATIONS_TABLE });
    },
    ca: { label: 'device CA', commonName: 'smc-kit MDM device CA' },
    log,
  });
  const { dataDir, databaseUrl, pool, pki, hostnames, cleanups } = base;

  try {
    const ca = await loadAgentCertificateAuthority(pki);

    const identity = await loadOrEnrollRelayIdentity(dataDir, options.server);
    if (identity.enrolled) log(`enrolled with the management server as agent ${identity.agentId}`);

    const { errorLog, database, faults } = startServiceFaults({
      service: 'smc-mdm',
      databaseUrl,
      write: options.errorLog ?? log,
      ...(options.databaseHealth ? { health: options.databaseHealth } : {}),
      cleanups,
    });

    const telemetry = new ConnectorTelemetry();
    const schedule = new CheckInPolicy(
      options.checkInIntervalSeconds,
      options.checkInBudgetPerSecond,
    );
    const deviceCount = new DeviceCount(pool, schedule);
    await deviceCount.start();
    cleanups.push(() => deviceCount.stop());
    telemetry.observeSchedule(() => schedule.schedule());
    const enrollment = new DeviceEnrollment(pool, ca, schedule, () => deviceCount.enrolled());
    const checkIns = new CheckInService(pool, schedule, telemetry, {
      ...(options.summaryRefreshSeconds !== undefined
        ? { summaryRefreshSeconds: options.summaryRefreshSeconds }
        : {}),
      database,
      onSummaryError: (error) =>
        errorLog.expected('device-summary-not-queued', error, {
          note: 'queued again on the next check-in',
        }),
      onRefused: (deviceId, error) =>
        errorLog.expected('check-in-refused-by-database', error, { deviceId }),
    });

    // The full chain (leaf + device CA): a device that pinned nothing yet can still build it.
    const tls = {
      key: pki.serverKeyPem,
      cert: `${pki.serverCertPem.trim()}\n${pki.caCertPem.trim()}\n`,
      minVersion: 'TLSv1.2' as const,
      sessionTimeout: TLS_SESSION_TIMEOUT_SECONDS,
    };
    let closing = false;
    const enrollApp = fastify({
      https: tls,
      schemaController: STRICT_BODY_COERCED_QUERY,
      bodyLimit: MAX_DEVICE_BODY_BYTES,
      logger: false,
      return503OnClosing: true,
    }) as unknown as FastifyInstance;
    const enrollGuards = guardListener(enrollApp, {
      name: 'mdm-enroll',
      bodyBudgetBytes: DEVICE_BODY_BUDGET_BYTES,
      connections: options.connections?.enroll,
      faults,
      database,
      needsDatabase: (path) => path === '/mdm/v1/enroll' || path.startsWith('/api/'),
    });
    registerHealthRoutes(enrollApp, { database, closing: () => closing });
    registerDeviceEnrollRoute(enrollApp, { enrollment, telemetry });
    await registerAdminRoutes(enrollApp, {
      pool,
      enrollment,
      telemetry,
      schedule,
      adminToken: pki.adminToken,
      relayAgentId: identity.agentId,
    });

    const deviceApp = fastify({
      schemaController: STRICT_BODY_COERCED_QUERY,
      http2: true,
      https: {
        ...tls,
        allowHTTP1: true,
        ca: [pki.caCertPem],
        requestCert: true,
        // Verified, but answered with a JSON 401 instead of a dropped handshake.
        rejectUnauthorized: false,
        settings: HTTP2_SETTINGS,
      },
      bodyLimit: MAX_DEVICE_BODY_BYTES,
      logger: false,
      return503OnClosing: true,
    }) as unknown as FastifyInstance;
    const deviceGuards = guardListener(deviceApp, {
      name: 'mdm-device',
      bodyBudgetBytes: DEVICE_BODY_BUDGET_BYTES,
      connections: options.connections?.device,
      faults,
      database,
      needsDatabase: (path) => path === '/mdm/v1/check-in',
    });
    registerHealthRoutes(deviceApp, { database, closing: () => closing });
    registerCheckInRoute(deviceApp, { checkIns, telemetry });
    registerGuardGauges(telemetry.registry, 'smc_mdm', [enrollGuards, deviceGuards], database);

    const relay = new ServerRelay(pool, {
      serverUrl: options.server.serverUrl,
      identity,
      hostname: hostnames[0] ?? osHostname(),
      telemetry,
      log,
      ...(options.relayIntervalMs !== undefined ? { intervalMs: options.relayIntervalMs } : {}),
    });

    await listenAll(
      host,
      [
        { app: enrollApp, port: options.enrollPort ?? DEFAULT_MDM_ENROLL_PORT },
        { app: deviceApp, port: options.devicePort ?? DEFAULT_MDM_DEVICE_PORT },
      ],
      cleanups,
    );
    await relay.start();
    // Runs before the listeners close (cleanups go in reverse): the last round's answer is stored.
    cleanups.push(() => relay.stop());

    let closed: Promise<void> | null = null;
    return {
      enrollUrl: urlOf(host, enrollApp),
      deviceUrl: urlOf(host, deviceApp),
      caFile: pki.files.caFile,
      caCertPem: pki.caCertPem,
      adminToken: pki.adminToken,
      adminTokenFile: pki.files.adminTokenFile,
      relayAgentId: identity.agentId,
      databaseUrl,
      pool,
      close: () => {
        closing = true;
        closed ??= cleanups.run();
        return closed;
      },
    };
  } catch (error) {
    await cleanups.run().catch(() => {});
    throw error;
  }
}
