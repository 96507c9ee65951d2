import {
  GUIDE_MAX_COMMUNICATIONS_PER_SECOND,
  GUIDE_MDM_REFERENCE_DEVICES,
  HIGH_AVAILABILITY_DEFAULT_ABOVE_CLIENTS,
  MANY_PROXIES_PER_OFFICE,
} from './limits.js';
import type { PlanWarning, SizingPlan } from './plan-types.js';

const rate = (perSecond: number) =>
  `${perSecond.toLocaleString('en-US', { maximumFractionDigits: 1 })}/s`;

/** The guide's cautions that apply to a plan, in a stable order. */
export function planWarnings(
  plan: Omit<SizingPlan, 'warnings'>,
  guideIntervalSeconds: number,
): PlanWarning[] {
  const { input, replication } = plan;
  const warnings: PlanWarning[] = [];

  if (replication.requiredRatePerSecond > GUIDE_MAX_COMMUNICATIONS_PER_SECOND) {
    warnings.push({
      code: 'RATE_ABOVE_GUIDE_LIMIT',
      message: `required rate ${rate(replication.requiredRatePerSecond)} is above the guide's advice to keep agent-server communications under ${rate(GUIDE_MAX_COMMUNICATIONS_PER_SECOND)}; lengthen the interval`,
    });
  } else if (replication.peakRatePerSecond > GUIDE_MAX_COMMUNICATIONS_PER_SECOND) {
    warnings.push({
      code: 'PEAK_ABOVE_GUIDE_LIMIT',
      message: `a reconnect storm (${replication.peakAssumption}) peaks at ${rate(replication.peakRatePerSecond)}; the server sheds the excess with 503 + Retry-After`,
    });
  }

  if (replication.intervalSource === 'override') {
    if (replication.intervalSeconds < guideIntervalSeconds) {
      warnings.push({
        code: 'INTERVAL_SHORTER_THAN_GUIDE',
        message: `interval ${replication.intervalSeconds} s is shorter than the guide's ${guideIntervalSeconds} s for ${plan.tier.label} clients in the ${replication.phase} phase`,
      });
    }
    if (replication.requiredRatePerSecond > replication.tierBudgetPerSecond) {
      warnings.push({
        code: 'INTERVAL_OVER_TIER_BUDGET',
        message: `interval ${replication.intervalSeconds} s needs ${rate(replication.requiredRatePerSecond)}, over the ${rate(replication.tierBudgetPerSecond)} this tier is sized for; rehearse it before rollout`,
      });
    }
  }

  if (input.mobileDevices > GUIDE_MDM_REFERENCE_DEVICES) {
    const factor = input.mobileDevices / GUIDE_MDM_REFERENCE_DEVICES;
    warnings.push({
      code: 'MDM_DELAY_GROWS',
      message: `${input.mobileDevices.toLocaleString('en-US')} mobile devices: the guide says the delay from a task to the device grows in proportion to device count (~${factor.toLocaleString('en-US', { maximumFractionDigits: 1 })}x its 80-device reference)`,
    });
  }

  const crowded = plan.proxies.offices.filter((o) => o.proxies > MANY_PROXIES_PER_OFFICE);
  if (crowded.length > 0) {
    const first = crowded[0] as (typeof crowded)[number];
    const count = (n: number) => n.toLocaleString('en-US');
    const which =
      crowded.length === 1
        ? `office ${first.index} has ${count(first.clients)} clients: ${first.proxies} proxies`
        : `${crowded.length} offices need more than ${MANY_PROXIES_PER_OFFICE} proxies each (office ${first.index}: ${count(first.clients)} clients, ${first.proxies} proxies)`;
    warnings.push({
      code: 'MANY_PROXIES_IN_OFFICE',
      message: `${which} at the guide's ~1,000 clients per proxy, ${count(plan.proxies.count)} in all: link an office that large to the server directly (VPN) and count its agents at the main site${input.officeClients === null ? ', or give each office its real head-count (officeClients, --office-clients)' : ''}`,
    });
  }

  if (!input.highAvailability && input.clients > HIGH_AVAILABILITY_DEFAULT_ABOVE_CLIENTS) {
    warnings.push({
      code: 'HIGH_AVAILABILITY_OFF',
      message:
        'high availability is off above 50,000 clients: one server and one database are single points of failure (guide: over 100,000, a failover cluster)',
    });
  }
  return warnings;
}
