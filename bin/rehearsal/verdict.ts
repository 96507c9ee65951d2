import type { SizingPlan } from '../../sizing/index.js';

/**
 * ours: the guide's own example (10 replications/s measured, 5,000 clients) advises a 20-30
 * minute interval where 8 minutes would be 100 % load, i.e. 2.5-4x headroom. A rehearsal
 * passes at 2x or more and warns between 1x and 2x.
 */
export const PASS_HEADROOM = 2;

export interface RehearsalVerdict {
  readonly clients: number;
  readonly requiredRatePerSecond: number;
  readonly peakRatePerSecond: number;
  readonly measuredCapacityPerSecond: number;
  /** measured / required. */
  readonly headroom: number;
  /** Shortest interval N clients can use at 100 % of the measured capacity. */
  readonly sustainableIntervalSeconds: number;
  /** The interval that keeps PASS_HEADROOM. */
  readonly recommendedIntervalSeconds: number;
  /** Clients this server carries at the plan's interval while keeping PASS_HEADROOM. */
  readonly clientsAtPlanInterval: number;
  readonly fleetLostLogs: number | null;
  readonly verdict: 'pass' | 'marginal' | 'fail';
  readonly reasons: readonly string[];
}

export function judgeRehearsal(
  plan: SizingPlan,
  measuredCapacityPerSecond: number,
  fleetLostLogs: number | null,
): RehearsalVerdict {
  const clients = plan.input.clients;
  const required = plan.replication.requiredRatePerSecond;
  const capacity = Math.max(measuredCapacityPerSecond, 0);
  const headroom = required > 0 ? capacity / required : Number.POSITIVE_INFINITY;
  const reasons: string[] = [];
  let verdict: RehearsalVerdict['verdict'] = 'pass';
  if (capacity === 0) {
    verdict = 'fail';
    reasons.push('no step of the capacity search held its SLOs');
  } else if (headroom < 1) {
    verdict = 'fail';
    reasons.push(`the server held ${fmt(capacity)}/s but the plan needs ${fmt(required)}/s`);
  } else if (headroom < PASS_HEADROOM) {
    verdict = 'marginal';
    reasons.push(
      `headroom ${headroom.toFixed(1)}x is under the ${PASS_HEADROOM}x the guide's example keeps`,
    );
  }
  if (fleetLostLogs !== null && fleetLostLogs > 0) {
    verdict = 'fail';
    reasons.push(`${fleetLostLogs} acknowledged logs were not stored`);
  }
  return {
    clients,
    requiredRatePerSecond: required,
    peakRatePerSecond: plan.replication.peakRatePerSecond,
    measuredCapacityPerSecond: capacity,
    headroom,
    sustainableIntervalSeconds:
      capacity > 0 ? Math.ceil(clients / capacity) : Number.POSITIVE_INFINITY,
    recommendedIntervalSeconds:
      capacity > 0 ? Math.ceil((clients * PASS_HEADROOM) / capacity) : Number.POSITIVE_INFINITY,
    clientsAtPlanInterval: Math.floor(
      (capacity * plan.replication.intervalSeconds) / PASS_HEADROOM,
    ),
    fleetLostLogs,
    verdict,
    reasons,
  };
}

const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 1 });

export function renderVerdict(v: RehearsalVerdict, plan: SizingPlan): string {
  const interval = (s: number) => (Number.isFinite(s) ? `${s.toLocaleString('en-US')} s` : 'none');
  const lines = [
    '',
    `Rehearsal verdict: ${v.verdict.toUpperCase()}`,
    `  clients             ${v.clients.toLocaleString('en-US')} (${plan.tier.label} tier, ${plan.replication.phase} phase, interval ${plan.replication.intervalSeconds} s)`,
    `  required rate       ${fmt(v.requiredRatePerSecond)}/s (reconnect-storm peak ${fmt(v.peakRatePerSecond)}/s)`,
    `  measured capacity   ${fmt(v.measuredCapacityPerSecond)}/s (highest step that held the SLOs)`,
    `  headroom            ${Number.isFinite(v.headroom) ? `${v.headroom.toFixed(1)}x` : 'unbounded'} (pass at ${PASS_HEADROOM}x or more)`,
    `  shortest interval   ${interval(v.sustainableIntervalSeconds)} at 100 % load; ${interval(v.recommendedIntervalSeconds)} keeps ${PASS_HEADROOM}x headroom`,
    `  clients it carries  ${v.clientsAtPlanInterval.toLocaleString('en-US')} at the plan's ${plan.replication.intervalSeconds} s interval with ${PASS_HEADROOM}x headroom`,
    `  fleet run           ${v.fleetLostLogs === null ? 'not verified' : `${v.fleetLostLogs} acknowledged logs lost`}`,
    ...v.reasons.map((r) => `  ! ${r}`),
  ];
  return `${lines.join('\n')}\n`;
}
