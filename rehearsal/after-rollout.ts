import path from 'node:path';
import { formatSeconds, type SizingPlan } from '../sizing/index.js';
import type { FleetFindings } from './findings.js';

/**
 * The same scenario against the deployed server, after rollout: the fleet run's agents,
 * interval, time scale and length, with a simulation token (the agents are tagged, and
 * purged afterwards), then the comparison with the rehearsal's projection.
 */
export interface AfterRollout {
  readonly agents: number;
  readonly intervalSeconds: number;
  readonly timeScale: number;
  readonly durationSeconds: number;
  readonly simulate: string;
  readonly compare: string;
  readonly purge: string;
}

export function afterRolloutScenario(
  plan: SizingPlan,
  fleet: FleetFindings,
  reportDir: string,
): AfterRollout {
  const duration = Math.ceil(fleet.windowSeconds);
  const fleetJson = path.join(reportDir, 'fleet.json');
  return {
    agents: plan.input.clients,
    intervalSeconds: plan.replication.intervalSeconds,
    timeScale: Math.round(fleet.timeScale * 100) / 100,
    durationSeconds: duration,
    simulate: [
      'smc simulate --target https://SERVER:2222 --ca ca.pem',
      '--console-url https://SERVER:2223 --admin-token-file admin.token',
      `--agents ${plan.input.clients} --interval ${formatSeconds(plan.replication.intervalSeconds)}`,
      `--time-scale ${Math.round(fleet.timeScale * 100) / 100} --duration ${duration}s`,
      '--identities .smc/after-rollout --verify --json deployed.json',
    ].join(' '),
    compare: `smc report compare ${fleetJson} deployed.json`,
    purge: 'smc admin purge-simulated --console-url https://SERVER:2223',
  };
}
