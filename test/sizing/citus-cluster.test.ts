import { describe, expect, it } from 'vitest';
import {
  CITUS_COORDINATOR_STORAGE_GIB,
  CITUS_COORDINATOR_VCORES,
  CITUS_WORKER_STORAGE_GIB,
  CITUS_WORKER_VCORES,
  citusClusterFor,
  planDeployment,
} from '../../sizing/index.js';

const plan = (clients: number, extra: Record<string, unknown> = {}) =>
  planDeployment({ clients, platform: 'azure', ...extra });

describe('citusClusterFor', () => {
  it('one worker per 250,000 clients, at least 2', () => {
    expect(citusClusterFor(plan(150_000)).workers.count).toBe(2);
    expect(citusClusterFor(plan(500_001)).workers.count).toBe(3);
    expect(citusClusterFor(plan(1_000_000)).workers.count).toBe(4);
    expect(citusClusterFor(plan(5_000_000)).workers.count).toBe(20);
  });

  it('picks only sizes Azure offers, and splits the growth model’s disk over the workers', () => {
    for (const clients of [150_000, 1_000_000, 3_000_000]) {
      const p = plan(clients, { logsPerClientPerDay: 60 });
      const cluster = citusClusterFor(p);
      expect(CITUS_WORKER_VCORES).toContain(cluster.workers.vCores);
      expect(CITUS_COORDINATOR_VCORES).toContain(cluster.coordinator.vCores);
      expect(CITUS_WORKER_STORAGE_GIB).toContain(cluster.workers.storageGiB);
      expect(CITUS_COORDINATOR_STORAGE_GIB).toContain(cluster.coordinator.storageGiB);
      expect(cluster.workers.storageGiB * cluster.workers.count).toBeGreaterThanOrEqual(
        p.databaseGrowth.diskGiB,
      );
    }
  });

  it('HA follows the plan; the assumption says where each number comes from', () => {
    expect(citusClusterFor(plan(1_000_000)).highAvailability).toBe(true);
    const single = citusClusterFor(plan(1_000_000, { highAvailability: false }));
    expect(single.highAvailability).toBe(false);
    expect(single.assumption).toContain('4 workers = max(2, ceil(1,000,000 clients / 250,000))');
    expect(single.assumption).not.toContain('standby');
  });

  it('refuses more workers than a cluster has, naming clients', () => {
    expect(() => citusClusterFor(plan(5_000_001))).toThrow(/^clients: needs 21 Citus workers/);
  });
});

describe("the plan with databaseEngine 'citus'", () => {
  it('sizes the cluster where one Flexible Server would be refused, and records it', () => {
    const input = { clients: 3_000_000, logsPerClientPerDay: 200 };
    expect(() => planDeployment(input)).toThrow(/more than one Flexible Server holds/);
    const plan = planDeployment({ ...input, databaseEngine: 'citus' });
    const database = plan.machines.find((m) => m.role === 'database');
    expect(database?.azure?.kind).toBe('cosmosdb-postgresql-cluster');
    const cluster = citusClusterFor(plan);
    expect(database?.count).toBe(1 + cluster.workers.count);
    expect(cluster.workers.count * cluster.workers.storageGiB).toBeGreaterThanOrEqual(
      plan.databaseGrowth.diskGiB,
    );
    expect(plan.ours.databaseEngine).toMatch(/^Citus/);
  });

  it('refuses citus off Azure, naming the field', () => {
    expect(() =>
      planDeployment({ clients: 300, platform: 'vms', databaseEngine: 'citus' }),
    ).toThrow(/databaseEngine: must be 'postgresql' on vms/);
  });
});
