import { describe, expect, it } from 'vitest';
import { planDeployment } from '../../sizing/index.js';

describe('replication rates', () => {
  it("gives 10.4/s for 5,000 clients at the guide's 8-minute example", () => {
    const plan = planDeployment({ clients: 5_000, replicationIntervalSeconds: 480 });
    expect(plan.replication.requiredRatePerSecond).toBeCloseTo(10.42, 2);
    expect(plan.replication.intervalSource).toBe('override');
  });

  it('gives 11.1/s for 20,000 clients in steady use (30 min)', () => {
    expect(planDeployment({ clients: 20_000 }).replication.requiredRatePerSecond).toBeCloseTo(
      11.11,
      2,
    );
  });

  it('uses the deployment interval in the deployment phase', () => {
    const plan = planDeployment({ clients: 20_000, phase: 'deployment' });
    expect(plan.replication.requiredRatePerSecond).toBeCloseTo(20_000 / 900, 6);
    expect(plan.replication.steadyRatePerSecond).toBeCloseTo(20_000 / 1_800, 6);
  });

  it('computes the reconnect-storm peak from one jitter window (10 % of the interval, >= 5 s)', () => {
    const plan = planDeployment({ clients: 20_000 });
    expect(plan.replication.jitterSeconds).toBe(180);
    expect(plan.replication.peakRatePerSecond).toBeCloseTo(20_000 / 180, 6);
    expect(
      planDeployment({ clients: 10, replicationIntervalSeconds: 10 }).replication.jitterSeconds,
    ).toBe(5);
  });

  it('warns above the guide limit of 1,000 communications per second', () => {
    const plan = planDeployment({ clients: 2_000_000, phase: 'deployment' });
    expect(plan.replication.requiredRatePerSecond).toBeGreaterThan(1_000);
    expect(plan.warnings.map((w) => w.code)).toContain('RATE_ABOVE_GUIDE_LIMIT');
    const peakOnly = planDeployment({ clients: 400_000 }); // 111/s steady, peak 1,111/s
    expect(peakOnly.warnings.map((w) => w.code)).toEqual(['PEAK_ABOVE_GUIDE_LIMIT']);
  });

  it('warns when an interval override is shorter than the guide and over the tier budget', () => {
    const plan = planDeployment({ clients: 40_000, replicationIntervalSeconds: 60 });
    const codes = plan.warnings.map((w) => w.code);
    expect(codes).toContain('INTERVAL_SHORTER_THAN_GUIDE');
    expect(codes).toContain('INTERVAL_OVER_TIER_BUDGET');
    const longer = planDeployment({ clients: 40_000, replicationIntervalSeconds: 3_600 });
    expect(longer.warnings).toEqual([]);
  });

  it('warns that MDM delay grows past the 80-device reference', () => {
    expect(planDeployment({ clients: 10, mobileDevices: 80 }).warnings).toEqual([]);
    const plan = planDeployment({ clients: 10, mobileDevices: 800 });
    expect(plan.warnings.find((w) => w.code === 'MDM_DELAY_GROWS')?.message).toMatch(/10x/);
  });
});

describe('proxies', () => {
  it('has none without offices and at least one per office', () => {
    expect(planDeployment({ clients: 5_000 }).proxies.count).toBe(0);
    expect(planDeployment({ clients: 500, offices: 3 }).proxies).toMatchObject({
      count: 3,
      perOffice: 1,
    });
  });

  it('adds proxies past ~1,000 clients per office (guide)', () => {
    // 30,000 clients over the main site + 4 offices = 6,000 each: 6 proxies per office.
    expect(planDeployment({ clients: 30_000, offices: 4 }).proxies).toMatchObject({
      count: 24,
      perOffice: 6,
    });
    const plan = planDeployment({ clients: 30_000, offices: 4, platform: 'azure' });
    expect(plan.machines.find((m) => m.role === 'proxy')).toMatchObject({ count: 24 });
  });

  it('per-office head-counts: each office gets proxies for its own clients', () => {
    const plan = planDeployment({ clients: 30_000, officeClients: [2_500, 300, 1_000] });
    expect(plan.input.offices).toBe(3);
    expect(plan.proxies).toMatchObject({
      count: 5,
      perOffice: 3,
      offices: [
        { index: 1, clients: 2_500, proxies: 3 },
        { index: 2, clients: 300, proxies: 1 },
        { index: 3, clients: 1_000, proxies: 1 },
      ],
    });
    expect(plan.warnings.map((w) => w.code)).not.toContain('MANY_PROXIES_IN_OFFICE');
  });

  it('head-counts are checked: whole, positive, within the fleet, one per office', () => {
    expect(() => planDeployment({ clients: 100, officeClients: [60, 50] })).toThrow(
      'officeClients: add up to 110, more than the 100 clients',
    );
    expect(() => planDeployment({ clients: 100, officeClients: [10, 2.5] })).toThrow(
      /^officeClients\[1\]: must be an integer from 1 to 100/,
    );
    expect(() => planDeployment({ clients: 100, offices: 3, officeClients: [10] })).toThrow(
      /^offices: must equal the number of officeClients entries \(1\)/,
    );
  });

  it('warns when an office needs a farm of proxies (the even spread over 150,000 clients)', () => {
    const plan = planDeployment({ clients: 150_000, offices: 3 });
    const warning = plan.warnings.find((w) => w.code === 'MANY_PROXIES_IN_OFFICE');
    expect(warning?.message).toMatch(
      /^3 offices need more than 5 proxies each \(office 1: 37,500 clients, 38 proxies\).*114 in all: link an office that large to the server directly/,
    );
  });
});
