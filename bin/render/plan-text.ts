import {
  AZURE_VM_SIZES,
  formatSeconds,
  type MachinePlan,
  type SizingPlan,
} from '../../sizing/index.js';
import { formatCount, formatRate, renderColumns } from './table.js';

/** The human view of a plan: what `smc plan` prints without --json. */
export function renderPlanText(plan: SizingPlan): string {
  const { input, replication: r, placement } = plan;
  const interval = (s: number) => formatSeconds(s);
  const lines = [
    `smc-kit sizing plan: ${formatCount(input.clients)} clients on ${input.platform}, ${r.phase} phase`,
    '',
    ...labelled([
      ['Tier', `${plan.tier.label} clients`],
      [
        'Interval',
        `${interval(r.intervalSeconds)} (${r.intervalSource === 'guide' ? `guide, ${r.phase}` : 'override'}); guide: ${interval(r.deploymentIntervalSeconds)} rolling out, ${interval(r.steadyIntervalSeconds)} steady; jitter ${interval(r.jitterSeconds)}`,
      ],
      [
        'Replications',
        `${formatRate(r.requiredRatePerSecond)} required; ${formatRate(r.deploymentRatePerSecond)} rolling out, ${formatRate(r.steadyRatePerSecond)} steady; peak ${formatRate(r.peakRatePerSecond)}`,
      ],
      ['Peak assumes', r.peakAssumption],
      [
        'Placement',
        `database ${placement.database}; ${placement.serverCount} server${placement.serverCount > 1 ? 's behind a load balancer' : ''}; HA ${placement.highAvailability ? 'on' : 'off'}`,
      ],
      [
        'Server nodes',
        `${plan.serverNodes.count} (decided by ${plan.serverNodes.decidedBy}): ${plan.serverNodes.byRate} for the rate at ${formatCount(plan.serverNodes.ratePerNodePerSecond)}/s per node, ${plan.serverNodes.bySessions} for the sessions at ${formatCount(plan.serverNodes.sessionsPerNode)} per node${plan.serverNodes.byAvailability > 1 ? ', 2 for HA' : ''}`,
      ],
      ['Nodes model', plan.serverNodes.model],
      [
        'Database grows',
        `to ${plan.databaseGrowth.dataGiB} GiB (${formatCount(plan.databaseGrowth.logsAtSteadyState)} logs) at steady state, ${plan.databaseGrowth.diskGiB} GiB of disk`,
      ],
      ['Growth assumes', plan.databaseGrowth.assumption],
      [
        'Proxies',
        plan.proxies.count === 0
          ? 'none (no branch offices)'
          : plan.input.officeClients === null
            ? `${plan.proxies.count} (${plan.proxies.perOffice} per office, <= ${formatCount(plan.proxies.clientsPerProxyLimit)} clients each)`
            : `${plan.proxies.count} (${plan.proxies.offices.map((o) => `office ${o.index}: ${formatCount(o.clients)} clients, ${o.proxies}`).join('; ')}; <= ${formatCount(plan.proxies.clientsPerProxyLimit)} clients each)`,
      ],
      [
        'Rogue sensors',
        `${plan.rogueDetection.sensors} (one per network: main site${plan.rogueDetection.networks > 1 ? ` + ${plan.rogueDetection.networks - 1} office(s)` : ''}), ${plan.rogueDetection.shape.cores} core / ${plan.rogueDetection.shape.memoryGiB} GiB / ${plan.rogueDetection.shape.diskGiB} GB each`,
      ],
    ]),
    '',
    ...renderColumns(
      [
        'role',
        'count',
        'cores',
        'RAM GiB (required)',
        'disk GiB',
        input.platform === 'azure' ? 'Azure size' : 'size',
      ],
      [
        ...plan.machines.map((m) => [
          m.role,
          String(m.count),
          String(m.cores),
          String(m.memoryGiB),
          String(m.diskGiB),
          sizeText(m),
        ]),
        // The HA pair's front door is a machine-table line too: it is something to pay for.
        ...(placement.loadBalancer
          ? [
              [
                'load balancer',
                '1',
                '-',
                '-',
                '-',
                input.platform === 'azure'
                  ? `Standard load balancer, TCP 2222/2223 to the ${placement.serverCount} servers`
                  : `yours: TCP 2222/2223 to the ${placement.serverCount} servers`,
              ],
            ]
          : []),
      ],
    ).map((l) => `  ${l}`),
    '',
    ...labelled([
      [
        'Guide (ESMC 7)',
        `${plan.guide.databaseEngines.join(' / ')}; server and DB on one machine: ${plan.guide.serverAndDatabaseOnOneMachine ? 'yes' : 'no'}; appliance: ${plan.guide.virtualAppliance}`,
      ],
      ['Ours', `${plan.ours.databaseEngine}; ${plan.ours.appliance}`],
    ]),
  ];
  if (plan.warnings.length > 0) {
    lines.push('', 'Warnings', ...plan.warnings.map((w) => `  ! ${w.message} [${w.code}]`));
  }
  return `${lines.join('\n')}\n`;
}

function sizeText(machine: MachinePlan): string {
  const azure = machine.azure;
  if (!azure) return 'shape only (existing hosts)';
  if (azure.kind === 'vm') {
    // The size's own figures beside the requirement: it often has more RAM than asked.
    const size = AZURE_VM_SIZES.find((candidate) => candidate.name === azure.vmSize);
    return size ? `${azure.vmSize} (${size.cores} cores, ${size.memoryGiB} GiB)` : azure.vmSize;
  }
  if (azure.kind === 'cosmosdb-postgresql-cluster') {
    const { coordinator, workers } = azure;
    return `Citus: coordinator ${coordinator.vCores} vCores / ${coordinator.storageGiB} GiB + ${workers.count} workers of ${workers.vCores} vCores / ${workers.storageGiB} GiB${azure.highAvailability ? ', a standby per node' : ''}`;
  }
  const ha = azure.highAvailability === 'ZoneRedundant' ? 'zone-redundant HA' : 'no HA';
  return `${azure.skuName} (${azure.tier}, ${azure.storageGiB} GiB, ${ha})`;
}

function labelled(pairs: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(...pairs.map(([label]) => label.length));
  return pairs.map(([label, value]) => `${label.padEnd(width)}  ${value}`);
}
