import { describe, expect, it } from 'vitest';
import { planDeployment } from '../../sizing/index.js';

describe('Rogue Detection Sensors in the plan', () => {
  it.each([
    [{ clients: 500 }, 1],
    [{ clients: 5_000, offices: 3 }, 4],
    [{ clients: 20_000, officeClients: [100, 2_500] }, 3],
  ])('%j: one sensor per network (main site + each office)', (input, sensors) => {
    const plan = planDeployment(input);
    expect(plan.rogueDetection.sensors).toBe(sensors);
    expect(plan.rogueDetection.networks).toBe(sensors);
  });

  it('sizes a sensor small whatever the fleet', () => {
    const small = planDeployment({ clients: 100 }).rogueDetection.shape;
    const large = planDeployment({ clients: 200_000, offices: 40 }).rogueDetection.shape;
    expect(small).toEqual(large);
    expect(small.cores).toBe(1);
    expect(small.memoryGiB).toBeLessThanOrEqual(1);
  });
});
