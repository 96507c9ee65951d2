import { describe, expect, it } from 'vitest';
import { planDeployment, SizingInputError } from '../../sizing/index.js';

function errorOf(input: unknown): SizingInputError {
  try {
    planDeployment(input);
  } catch (error) {
    if (error instanceof SizingInputError) return error;
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(input)}`);
}

describe('input validation', () => {
  it.each([
    [{ clients: 0 }, 'clients'],
    [{ clients: -5 }, 'clients'],
    [{ clients: 1.5 }, 'clients'],
    [{ clients: Number.NaN }, 'clients'],
    [{ clients: Number.POSITIVE_INFINITY }, 'clients'],
    [{ clients: '100' }, 'clients'],
    [{ clients: 1e12 }, 'clients'],
    [{}, 'clients'],
    [{ clients: 10, mobileDevices: -1 }, 'mobileDevices'],
    [{ clients: 10, offices: 0.5 }, 'offices'],
    [{ clients: 10, offices: 11 }, 'offices'],
    [{ clients: 10, platform: 'gcp' }, 'platform'],
    [{ clients: 10, phase: 'rollout' }, 'phase'],
    [{ clients: 10, highAvailability: 'yes' }, 'highAvailability'],
    [{ clients: 10, replicationIntervalSeconds: 5 }, 'replicationIntervalSeconds'],
    [{ clients: 10, replicationIntervalSeconds: 90.5 }, 'replicationIntervalSeconds'],
    [{ clients: 10, clientz: 5 }, 'clientz'],
    [null, 'input'],
    [[], 'input'],
  ])('rejects %j naming %s', (input, field) => {
    const error = errorOf(input);
    expect(error.field).toBe(field);
    expect(error.message.startsWith(`${field}: `)).toBe(true);
  });

  it('states the rule and the value received', () => {
    expect(errorOf({ clients: 0 }).message).toBe(
      'clients: must be an integer from 1 to 10,000,000 (got 0)',
    );
    expect(errorOf({ clients: 10, platform: 'gcp' }).message).toBe(
      'platform: must be one of azure, vms (got "gcp")',
    );
  });

  it('fills in defaults', () => {
    expect(planDeployment({ clients: 10 }).input).toEqual({
      clients: 10,
      mobileDevices: 0,
      offices: 0,
      officeClients: null,
      platform: 'azure',
      highAvailability: false,
      phase: 'steady',
      replicationIntervalSeconds: null,
      logsPerClientPerDay: 20,
      databaseEngine: 'postgresql',
      serverUsPerReplication: 218,
      serverKiBPerSession: 74,
    });
  });
});
