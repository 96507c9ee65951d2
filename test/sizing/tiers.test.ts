import { describe, expect, it } from 'vitest';
import { planDeployment } from '../../sizing/index.js';

// esmc-facts.md, "Deployment best practice by client count": intervals per tier.
const BOUNDARIES = [
  { clients: 1, tier: 'up-to-1k', deployment: 60, steady: 600 },
  { clients: 1_000, tier: 'up-to-1k', deployment: 60, steady: 600 },
  { clients: 1_001, tier: '1k-5k', deployment: 300, steady: 600 },
  { clients: 5_000, tier: '1k-5k', deployment: 300, steady: 600 },
  { clients: 5_001, tier: '5k-10k', deployment: 600, steady: 1_200 },
  { clients: 10_000, tier: '5k-10k', deployment: 600, steady: 1_200 },
  { clients: 10_001, tier: '10k-50k', deployment: 900, steady: 1_800 },
  { clients: 50_000, tier: '10k-50k', deployment: 900, steady: 1_800 },
  { clients: 50_001, tier: '50k-100k', deployment: 1_200, steady: 2_400 },
  { clients: 100_000, tier: '50k-100k', deployment: 1_200, steady: 2_400 },
  { clients: 100_001, tier: 'over-100k', deployment: 1_500, steady: 3_600 },
] as const;

describe('tiers', () => {
  it.each(BOUNDARIES)('$clients clients -> $tier with the guide intervals', (row) => {
    for (const phase of ['deployment', 'steady'] as const) {
      const plan = planDeployment({ clients: row.clients, phase });
      expect(plan.tier.id).toBe(row.tier);
      expect(plan.replication.deploymentIntervalSeconds).toBe(row.deployment);
      expect(plan.replication.steadyIntervalSeconds).toBe(row.steady);
      expect(plan.replication.intervalSeconds).toBe(
        phase === 'deployment' ? row.deployment : row.steady,
      );
      expect(plan.replication.intervalSource).toBe('guide');
    }
  });

  it('puts the database on the server host up to 10,000 clients on vms (guide), on its own above', () => {
    expect(planDeployment({ clients: 10_000, platform: 'vms' }).placement.database).toBe(
      'server-host',
    );
    expect(planDeployment({ clients: 10_001, platform: 'vms' }).placement.database).toBe(
      'dedicated-host',
    );
    expect(planDeployment({ clients: 800, platform: 'azure' }).placement.database).toBe('managed');
  });

  it('maps 20,000 clients to the guide hardware: server 4 cores / 40 GB, database 8 cores / 250+ GB', () => {
    const plan = planDeployment({ clients: 20_000 });
    const server = plan.machines.find((m) => m.role === 'server');
    const database = plan.machines.find((m) => m.role === 'database');
    expect(server).toMatchObject({
      count: 1,
      cores: 4,
      diskGiB: 40,
      azure: { vmSize: 'Standard_D4s_v5' },
    });
    expect(database).toMatchObject({
      cores: 8,
      memoryGiB: 8,
      azure: { skuName: 'GP_Standard_D8ds_v5', storageGiB: 256, highAvailability: 'Disabled' },
    });
    expect(database?.diskGiB).toBeGreaterThanOrEqual(250);
  });

  it('gives 800 clients a burstable managed database on Azure and one host on vms', () => {
    const azure = planDeployment({ clients: 800 });
    expect(azure.machines.find((m) => m.role === 'database')?.azure).toMatchObject({
      tier: 'Burstable',
    });
    const vms = planDeployment({ clients: 800, platform: 'vms' });
    expect(vms.machines.map((m) => m.role)).toEqual(['server']);
    expect(vms.machines[0]).toMatchObject({ cores: 2, memoryGiB: 4, diskGiB: 100 });
    expect(vms.machines[0]?.azure).toBeUndefined();
  });

  it('gives 150,000 clients an HA pair and a memory-optimised zone-redundant database by default', () => {
    const plan = planDeployment({ clients: 150_000 });
    expect(plan.placement).toMatchObject({
      highAvailability: true,
      serverCount: 2,
      loadBalancer: true,
    });
    expect(plan.machines.find((m) => m.role === 'database')?.azure).toMatchObject({
      tier: 'MemoryOptimized',
      highAvailability: 'ZoneRedundant',
    });
  });

  it('never puts an HA database on a burstable SKU', () => {
    const plan = planDeployment({ clients: 500, highAvailability: true });
    expect(plan.machines.find((m) => m.role === 'database')?.azure).toMatchObject({
      tier: 'GeneralPurpose',
      highAvailability: 'ZoneRedundant',
    });
  });

  it('switches HA on by default only above 50,000 clients and warns when it is turned off', () => {
    expect(planDeployment({ clients: 50_000 }).placement.highAvailability).toBe(false);
    expect(planDeployment({ clients: 50_001 }).placement.highAvailability).toBe(true);
    const off = planDeployment({ clients: 60_000, highAvailability: false });
    expect(off.warnings.map((w) => w.code)).toContain('HIGH_AVAILABILITY_OFF');
  });

  it('shows the guide recommendation for the original product beside ours', () => {
    const small = planDeployment({ clients: 3_000 });
    expect(small.guide).toMatchObject({
      databaseEngines: ['MS SQL Express', 'MS SQL', 'MySQL'],
      serverAndDatabaseOnOneMachine: true,
      virtualAppliance: 'yes',
    });
    expect(planDeployment({ clients: 7_000 }).guide.virtualAppliance).toBe('not recommended');
    expect(planDeployment({ clients: 70_000 }).guide.databaseEngines).toEqual(['MS SQL']);
    expect(small.ours.databaseEngine).toMatch(/PostgreSQL/);
  });
});
