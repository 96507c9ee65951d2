import { describe, expect, it } from 'vitest';
import { LOG_PARTITION_MILLIS } from '../../server/store/log-partitions.js';
import { DEFAULT_RETENTION_DAYS } from '../../server/store/retention.js';
import { TYPE_WEIGHTS } from '../../simulator/profile/events.js';
import {
  LOG_PARTITION_DAYS,
  LOG_TYPE_MIX,
  MEASURED_BYTES_PER_LOG,
  planDatabaseGrowth,
  planDeployment,
  planServerNodes,
  RETENTION_DAYS,
} from '../../sizing/index.js';

describe('server nodes: the larger of rate and sessions, at least 2 with HA', () => {
  const base = {
    requiredRatePerSecond: 10,
    nodeMemoryGiB: 16,
    highAvailability: false,
    serverUsPerReplication: 218,
    serverKiBPerSession: 74,
  };

  it('sessions decide a large fleet at a long interval', () => {
    const nodes = planServerNodes({ ...base, clients: 1_000_000, requiredRatePerSecond: 277.8 });
    // 50 % of 16 GiB / 74 KiB = 113,359 sessions per node.
    expect(nodes.sessionsPerNode).toBe(113_359);
    expect(nodes.bySessions).toBe(9);
    expect(nodes.byRate).toBe(1);
    expect(nodes).toMatchObject({ count: 9, decidedBy: 'sessions' });
  });

  it('rate decides a costly replication at a short interval', () => {
    const nodes = planServerNodes({
      ...base,
      clients: 20_000,
      requiredRatePerSecond: 2_000,
      serverUsPerReplication: 500,
    });
    // one core x 70 % / 500 us = 1,400/s per node; 2,000/s x 2 headroom -> 3 nodes.
    expect(nodes).toMatchObject({
      ratePerNodePerSecond: 1_400,
      byRate: 3,
      count: 3,
      decidedBy: 'rate',
    });
  });

  it('HA asks for a pair when one node would do', () => {
    const nodes = planServerNodes({ ...base, clients: 60_000, highAvailability: true });
    expect(nodes).toMatchObject({ count: 2, decidedBy: 'availability', byAvailability: 2 });
  });

  it('the plan takes its server count from the node model and says why', () => {
    const plan = planDeployment({ clients: 1_000_000 });
    expect(plan.placement.serverCount).toBe(plan.serverNodes.count);
    expect(plan.machines.find((m) => m.role === 'server')?.count).toBe(plan.serverNodes.count);
    expect(plan.serverNodes.decidedBy).toBe('sessions');
    expect(plan.placement.serverCount).toBeGreaterThan(2);
    // A measured figure from the user's own rehearsal moves the count.
    const leaner = planDeployment({ clients: 1_000_000, serverKiBPerSession: 37 });
    expect(leaner.placement.serverCount).toBeLessThan(plan.placement.serverCount);
  });
});

describe('database growth: logs x retention sizes the disk, the tier is the floor', () => {
  it('keeps its retention and mix in step with the server and the simulator', () => {
    expect(RETENTION_DAYS).toEqual(DEFAULT_RETENTION_DAYS);
    expect(LOG_PARTITION_DAYS * 86_400_000).toBe(LOG_PARTITION_MILLIS);
    expect(LOG_TYPE_MIX).toEqual(Object.fromEntries(TYPE_WEIGHTS));
  });

  it('grows linearly with clients and logs per day', () => {
    const one = planDatabaseGrowth(10_000, 20);
    const twice = planDatabaseGrowth(20_000, 20);
    const busier = planDatabaseGrowth(10_000, 40);
    expect(one.meanRetentionDays).toBe(76.5);
    // Retention drops whole weeks: a log waits up to one more week in its partition.
    expect(one.heldDaysAtMost).toBe(76.5 + 7);
    expect(one.logsAtSteadyState).toBe(10_000 * 20 * (76.5 + 7));
    expect(one.assumption).toMatch(/up to 7 more \(logs expire by whole weekly partitions\)/);
    expect(twice.logsAtSteadyState).toBe(2 * one.logsAtSteadyState);
    expect(busier.logsAtSteadyState).toBe(2 * one.logsAtSteadyState);
    expect(one.dataGiB).toBeCloseTo(
      (one.logsAtSteadyState * MEASURED_BYTES_PER_LOG + 10_000 * one.bytesPerComputer) / 2 ** 30,
      1,
    );
    expect(one.diskGiB).toBeGreaterThanOrEqual(2 * one.dataGiB);
  });

  it('the database disk follows the growth past the tier figure, never below it', () => {
    const quiet = planDeployment({ clients: 20_000, platform: 'vms' });
    const tierDisk = quiet.machines.find((m) => m.role === 'database')?.diskGiB ?? 0;
    expect(tierDisk).toBe(256);
    const noisy = planDeployment({ clients: 20_000, platform: 'vms', logsPerClientPerDay: 500 });
    const grown = noisy.machines.find((m) => m.role === 'database');
    expect(grown?.diskGiB).toBe(noisy.databaseGrowth.diskGiB);
    expect(grown?.diskGiB).toBeGreaterThan(tierDisk);
    expect(grown?.source).toMatch(/growth model/);
    const managed = planDeployment({ clients: 20_000, logsPerClientPerDay: 500 });
    const flexible = managed.machines.find((m) => m.role === 'database')?.azure;
    expect(flexible && 'storageGiB' in flexible ? flexible.storageGiB : 0).toBeGreaterThanOrEqual(
      managed.databaseGrowth.diskGiB,
    );
  });

  it('a database on the server host grows the server disk', () => {
    const plan = planDeployment({ clients: 900, platform: 'vms', logsPerClientPerDay: 5_000 });
    expect(plan.placement.database).toBe('server-host');
    expect(plan.machines.find((m) => m.role === 'server')?.diskGiB).toBe(
      plan.databaseGrowth.diskGiB,
    );
  });
});
