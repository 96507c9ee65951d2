import path from 'node:path';
import {
  type LocalConnector,
  type LocalServer,
  startLocalConnector,
  startLocalServer,
} from '../../rehearsal/index.js';
import { consoleCall, parseTargetUrl, type TargetEndpoint } from '../../simulator/index.js';

/** The connector's command delays, as its /api/stats gives them (wall milliseconds). */
export interface DelaySummary {
  readonly count: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** The part of the connector's GET /api/stats the benchmark reads. */
export interface ConnectorStats {
  readonly devices: { readonly total: number };
  readonly commands: {
    readonly pending: number;
    readonly delivered: number;
    readonly done: number;
    readonly failed: number;
  };
  readonly checkInSchedule: {
    readonly configuredSeconds: number;
    readonly effectiveSeconds: number;
    readonly budgetPerSecond: number;
    readonly devices: number;
  };
  readonly commandDelay: DelaySummary;
  readonly commandWait: DelaySummary;
  readonly totals: {
    readonly checkIns: number;
    readonly refused: number;
    readonly commandsDelivered: number;
    readonly relayOk: number;
    readonly relayFailed: number;
  };
  readonly relay: { readonly outboxDepth: number; readonly lastError: string | null };
}

/** The management server and one connector enrolled with it, each its own process. */
export interface MdmStack {
  readonly server: LocalServer;
  readonly connector: LocalConnector;
  /** The connector's device port and its enrollment port, with the device CA. */
  readonly deviceTarget: TargetEndpoint;
  readonly enrollTarget: TargetEndpoint;
  /** The connector's embedded PostgreSQL folder (for its postmaster.pid). */
  readonly connectorPgDir: string;
  stats(): Promise<ConnectorStats>;
  /** POST /api/mobile-devices/:id/commands on the server's console. */
  sendCommand(deviceId: string, command: { command: string; params?: unknown }): Promise<void>;
  stop(): Promise<void>;
}

/** How to stop what is up now, so a signal can (the children would outlive this process). */
const live = new Set<() => Promise<void>>();

/** Stops every server and connector still up (on SIGINT/SIGTERM: `finally` blocks do not run then). */
export async function stopAllStacks(): Promise<void> {
  await Promise.all([...live].map((stop) => stop()));
}

/**
 * Starts `smc serve` (embedded PostgreSQL) and `smc mdm` (its own embedded PostgreSQL, enrolled
 * with that server) on throwaway folders, all on 127.0.0.1. On failure what started is stopped.
 */
export async function startMdmStack(options: {
  checkInIntervalSeconds: number;
  checkInBudgetPerSecond: number;
  relayIntervalSeconds?: number;
  log: (line: string) => void;
}): Promise<MdmStack> {
  const server = await startLocalServer({ intervalSeconds: 60, log: options.log });
  const stopServer = () => server.stop();
  live.add(stopServer);
  let connector: LocalConnector;
  try {
    connector = await startLocalConnector({
      server,
      checkInIntervalSeconds: options.checkInIntervalSeconds,
      checkInBudgetPerSecond: options.checkInBudgetPerSecond,
      ...(options.relayIntervalSeconds !== undefined
        ? { relayIntervalSeconds: options.relayIntervalSeconds }
        : {}),
      log: options.log,
    });
  } catch (error) {
    live.delete(stopServer);
    await server.stop().catch(() => {});
    throw error;
  }
  live.delete(stopServer);
  const running = connector;
  const target = (url: string, field: string) => ({
    ...parseTargetUrl(url, field),
    caPem: running.caPem,
  });
  const stack: MdmStack = {
    server,
    connector,
    deviceTarget: target(connector.ready.deviceUrl, 'deviceUrl'),
    enrollTarget: target(connector.ready.enrollUrl, 'enrollUrl'),
    connectorPgDir: path.join(connector.dataDir, 'connector', 'pg'),
    stats: () =>
      consoleCall<ConnectorStats>(
        { url: running.ready.enrollUrl, adminToken: running.adminToken, caPem: running.caPem },
        'GET',
        '/api/stats',
        undefined,
        10_000,
      ),
    sendCommand: async (deviceId, command) => {
      await consoleCall<unknown>(
        { url: server.ready.consoleUrl, adminToken: server.adminToken, caPem: server.caPem },
        'POST',
        `/api/mobile-devices/${deviceId}/commands`,
        command,
        10_000,
      );
    },
    stop: async () => {
      if (!live.delete(stack.stop)) return;
      // Connector first: its last relay round goes to a server that is still up.
      await running
        .stop()
        .catch((error: unknown) => options.log(`stopping the connector: ${String(error)}`));
      await server
        .stop()
        .catch((error: unknown) => options.log(`stopping the server: ${String(error)}`));
    },
  };
  live.add(stack.stop);
  return stack;
}
