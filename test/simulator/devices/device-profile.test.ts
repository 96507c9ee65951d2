import { describe, expect, it } from 'vitest';
import { deviceProfile } from '../../../simulator/devices/device-profile.js';

describe('deviceProfile', () => {
  it('is the same phone for the same (seed, index) and another for another index', () => {
    expect(deviceProfile(5, 42, 0.7)).toEqual(deviceProfile(5, 42, 0.7));
    const others = Array.from({ length: 20 }, (_, i) => deviceProfile(5, i, 0.7).appListHash);
    expect(new Set(others).size).toBe(20);
  });

  it('keeps the Android/iOS ratio over a fleet and the extremes exact', () => {
    const fleet = Array.from({ length: 2_000 }, (_, i) => deviceProfile(9, i, 0.7));
    const android = fleet.filter((p) => p.platform === 'android').length;
    expect(android).toBeGreaterThan(1_300);
    expect(android).toBeLessThan(1_500);
    expect(Array.from({ length: 200 }, (_, i) => deviceProfile(9, i, 0).platform)).not.toContain(
      'android',
    );
    expect(Array.from({ length: 200 }, (_, i) => deviceProfile(9, i, 1).platform)).not.toContain(
      'ios',
    );
  });

  it('gives each platform its own models and OS versions', () => {
    const fleet = Array.from({ length: 300 }, (_, i) => deviceProfile(3, i, 0.5));
    for (const profile of fleet) {
      if (profile.platform === 'ios') {
        expect(profile.model).toMatch(/^iP(hone|ad)/);
        expect(profile.osVersion).toMatch(/^1[5-7]\./);
        expect(profile.encrypted).toBe(true);
      } else {
        expect(profile.model).not.toMatch(/^iP/);
        expect(profile.osVersion).toMatch(/^1[1-4]$/);
      }
      expect(profile.appListHash).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(new Set(fleet.map((p) => p.model)).size).toBeGreaterThan(8);
  });
});
