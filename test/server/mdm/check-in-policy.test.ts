import { describe, expect, it } from 'vitest';
import { CheckInPolicy } from '../../../server/mdm/check-in-policy.js';

describe('CheckInPolicy', () => {
  it('keeps the configured interval while the fleet fits the budget', () => {
    const policy = new CheckInPolicy(300, 50);
    policy.setDeviceCount(15_000); // 15,000 / 300 s = 50/s: exactly the budget
    expect(policy.next()).toEqual({ intervalSeconds: 300, jitterSeconds: 30 });
  });

  it('stretches the interval in proportion to the devices past the budget', () => {
    const policy = new CheckInPolicy(300, 50);
    policy.setDeviceCount(50_000);
    expect(policy.schedule()).toEqual({
      configuredSeconds: 300,
      effectiveSeconds: 1_000,
      budgetPerSecond: 50,
      devices: 50_000,
    });
    expect(policy.next()).toEqual({ intervalSeconds: 1_000, jitterSeconds: 100 });
    policy.setDeviceCount(100_000);
    expect(policy.next().intervalSeconds).toBe(2_000);
  });

  it('rounds a stretched interval up to whole seconds and counts enrollments', () => {
    const policy = new CheckInPolicy(1, 2);
    policy.setDeviceCount(4);
    expect(policy.next().intervalSeconds).toBe(2);
    policy.deviceEnrolled();
    expect(policy.next().intervalSeconds).toBe(3);
  });

  it('refuses a budget or interval that cannot be planned with, naming it', () => {
    expect(() => new CheckInPolicy(300, 0)).toThrow(/checkInBudgetPerSecond/);
    expect(() => new CheckInPolicy(300, Number.NaN)).toThrow(/checkInBudgetPerSecond/);
    expect(() => new CheckInPolicy(0.5, 50)).toThrow(/checkInIntervalSeconds/);
  });
});
