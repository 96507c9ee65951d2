import type { RehearsalFindings } from '../../rehearsal/index.js';

type Patch = { [K in keyof RehearsalFindings]?: Partial<NonNullable<RehearsalFindings[K]>> | null };

/**
 * What a clean rehearsal of `clients` measured: every session held, capacity 2,000/s, a
 * fleet run and a storm inside the SLOs, nothing pending, nothing lost. Tests break one
 * thing at a time with `patch`.
 */
export function cleanFindings(clients: number, patch: Patch = {}): RehearsalFindings {
  const healthy = { limited: false, reasons: [] };
  const base: RehearsalFindings = {
    identities: {
      agents: clients,
      reused: 0,
      enrolled: clients,
      enrollSeconds: 2,
      enrollmentsPerSecond: clients / 2,
    },
    warmUp: {
      agents: clients,
      sessionsOpened: clients,
      failed: 0,
      seconds: 10,
      handshakesPerSecond: clients / 10,
      generator: healthy,
    },
    database: { logsPerClient: 30, logsSeeded: clients * 30, seedSeconds: 1, bytes: 50 * 2 ** 20 },
    capacity: {
      heldPerSecond: 2_000,
      brokenPerSecond: 2_100,
      maxRatePerSecond: 50_000,
      steps: 10,
      generatorLimitedBreak: false,
      machineBusyAtBreak: 0.9,
      machineLimitedBreak: false,
      coresAtBreak: { server: 0.95, database: 0.4, generator: 0.5 },
      serverCpuMsPerReplication: 0.3,
      databaseCpuMsPerReplication: 0.15,
      agents: Math.min(clients, 2_000),
    },
    fleet: {
      agents: clients,
      timeScale: 60,
      windowSeconds: 60,
      ratePerSecond: 1_000,
      capacityShare: 0.5,
      completed: clients * 3.2,
      failed: 0,
      late: 0,
      errorRatio: 0,
      lateRatio: 0,
      p99Ms: 40,
      intervalsCovered: 3.2,
      minReplicationsPerAgent: 3,
      meanReplicationsPerAgent: 3.2,
      serverCpuMsPerReplication: 0.4,
      databaseCpuMsPerReplication: 0.2,
      generator: healthy,
      machineStarved: false,
      taskDelivery: null,
    },
    storm: {
      agents: clients,
      windowSeconds: 180,
      planWindowSeconds: 180,
      boundSeconds: 270,
      recovered: clients,
      recoverySeconds: 181,
      attempts: clients,
      shed: 0,
      otherFailures: 0,
      p99Ms: 60,
      generator: healthy,
      machineStarved: false,
    },
    logs: {
      generated: clients * 16,
      acknowledged: clients * 16,
      pendingAfterDrain: 0,
      drainSeconds: 1,
      lost: 0,
    },
    sessions: {
      wanted: clients,
      heldAfterWarmUp: clients,
      heldAfterStorm: clients,
      serverRssBeforeBytes: 150 * 2 ** 20,
      serverRssAfterBytes: 150 * 2 ** 20 + clients * 70 * 1_024,
      serverBytesPerSession: 70 * 1_024,
      serverOpenFilesLimit: 1_048_576,
      databaseRssBytes: 300 * 2 ** 20,
    },
  };
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    merged[key] =
      value === null ? null : { ...(base[key as keyof RehearsalFindings] as object), ...value };
  }
  return merged as unknown as RehearsalFindings;
}

/** A rehearsal whose capacity search held nothing (no fleet run, no storm). */
export function failedFindings(clients: number): RehearsalFindings {
  return cleanFindings(clients, {
    capacity: { heldPerSecond: null, brokenPerSecond: 100 },
    fleet: null,
    storm: null,
  });
}
