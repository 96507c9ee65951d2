import type { PolicyViolation } from '../../constructs/index.js';
import { type CitusClusterPlan, citusClusterFor, type SizingPlan } from '../../sizing/index.js';
import { formatCount, renderColumns } from './table.js';

export interface SynthSummary {
  readonly platform: 'azure' | 'vms';
  readonly clients: number;
  readonly tier: string;
  readonly outdir: string;
  /** The synthesized stack file, relative to the working directory. */
  readonly stackFile: string;
  readonly resourceCounts: Readonly<Record<string, number>>;
  readonly machines: readonly {
    readonly role: string;
    readonly count: number;
    readonly cores: number;
    readonly memoryGiB: number;
    readonly diskGiB: number;
    readonly size: string;
    readonly addresses: readonly string[];
  }[];
  /** Branch offices as sites: their head-count and how many proxies serve them. */
  readonly offices: readonly {
    readonly name: string;
    readonly clients: number;
    readonly proxies: number;
  }[];
  readonly outputs: readonly string[];
  readonly policy: { readonly rules: number; readonly violations: readonly PolicyViolation[] };
  readonly placeholders: boolean;
  readonly cloudInitFiles: readonly string[];
  /** The plan's cautions and the constructs' warnings (e.g. Key Vault refusing the applier). */
  readonly warnings: readonly string[];
  readonly state: {
    readonly backend: string;
    /** Backend settings still to give at `terraform init -backend-config=...`. */
    readonly missingBackendSettings: readonly string[];
    /** Generated secrets Terraform state holds in plain text. */
    readonly secrets: readonly string[];
  };
  /** How the architect reads the first admin token after apply. */
  readonly adminToken: string;
  readonly notes: readonly string[];
}

export function machineRows(
  plan: SizingPlan,
  addressesOf: (role: string) => readonly string[],
  databaseEngine: 'postgresql' | 'citus' = 'postgresql',
): SynthSummary['machines'] {
  const rows = plan.machines.map((m) => ({
    role: m.role,
    count: m.count,
    cores: m.cores,
    memoryGiB: m.memoryGiB,
    diskGiB: m.diskGiB,
    size:
      m.azure?.kind === 'vm'
        ? m.azure.vmSize
        : m.azure?.kind === 'postgresql-flexible-server'
          ? `${m.azure.skuName}${m.azure.highAvailability === 'ZoneRedundant' ? ' (zone-redundant HA)' : ''}`
          : m.role === 'database' && plan.placement.database === 'server-host'
            ? 'on the server host'
            : 'existing host',
    addresses: addressesOf(m.role),
  }));
  if (databaseEngine !== 'citus') return rows;
  const citus = citusClusterFor(plan);
  return rows.map((row) => (row.role === 'database' ? citusRow(citus) : row));
}

/** The database row when it is a Citus cluster: its nodes, not the plan's Flexible Server. */
function citusRow(citus: CitusClusterPlan): SynthSummary['machines'][number] {
  const { coordinator, workers } = citus;
  return {
    role: 'database',
    count: 1 + workers.count,
    cores: coordinator.vCores + workers.count * workers.vCores,
    // Azure: 4 GiB per coordinator vCore, 8 per worker vCore (Cosmos DB for PostgreSQL compute).
    memoryGiB: coordinator.vCores * 4 + workers.count * workers.vCores * 8,
    diskGiB: coordinator.storageGiB + workers.count * workers.storageGiB,
    size: `Cosmos DB for PostgreSQL (Citus): coordinator ${coordinator.vCores} vCores + ${workers.count} workers x ${workers.vCores} vCores${citus.highAvailability ? ' (HA standbys)' : ''}`,
    addresses: [],
  };
}

/**
 * The Rogue Detection Sensors the deployment built (not a plan machine: the plan counts them
 * under `rogueDetection`), one row; none when the deployment built none.
 */
export function sensorRows(
  plan: SizingPlan,
  sensors: readonly { readonly host: { readonly privateAddress: string } }[],
  azureVmSize: string | undefined,
): SynthSummary['machines'] {
  if (sensors.length === 0) return [];
  const { shape } = plan.rogueDetection;
  return [
    {
      role: 'rd-sensor',
      count: sensors.length,
      ...shape,
      size: azureVmSize ?? 'existing host',
      addresses: plan.input.platform === 'vms' ? sensors.map((s) => s.host.privateAddress) : [],
    },
  ];
}

/** What `smc synth` prints: where the files went and what applying them creates. */
export function renderSynthSummary(summary: SynthSummary): string {
  const total = Object.values(summary.resourceCounts).reduce((a, b) => a + b, 0);
  const lines = [
    `smc-kit synth: ${formatCount(summary.clients)} clients on ${summary.platform} (tier ${summary.tier})`,
    `Wrote ${summary.stackFile} (Terraform JSON); run terraform init && terraform plan in ${summary.stackFile.replace(/\/[^/]+$/, '')}`,
    '',
    'Machines',
    ...renderColumns(
      ['role', 'count', 'cores', 'RAM GiB', 'disk GiB', 'size', 'addresses'],
      summary.machines.map((m) => [
        m.role,
        String(m.count),
        String(m.cores),
        String(m.memoryGiB),
        String(m.diskGiB),
        m.size,
        m.addresses.join(', '),
      ]),
    ).map((l) => `  ${l}`),
    '',
    `Resources (${formatCount(total)})`,
    ...renderColumns(
      ['type', 'count'],
      Object.entries(summary.resourceCounts)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([type, count]) => [type, String(count)]),
    ).map((l) => `  ${l}`),
    '',
    ...(summary.offices.length > 0
      ? [
          'Offices',
          ...renderColumns(
            ['office', 'clients', 'proxies'],
            summary.offices.map((o) => [o.name, formatCount(o.clients), String(o.proxies)]),
          ).map((l) => `  ${l}`),
          '',
        ]
      : []),
    `Outputs: ${summary.outputs.join(', ')}`,
    `First admin token, after apply: ${summary.adminToken}`,
    summary.policy.violations.length === 0
      ? `Policy: ${summary.policy.rules} rules passed (Checkov/Trivy-equivalent checks, see constructs/policy)`
      : `Policy: ${summary.policy.violations.length} violation(s)`,
    ...summary.policy.violations.map((v) => `  ${v.ruleId}: ${v.path}: ${v.message}`),
  ];
  if (summary.cloudInitFiles.length > 0) {
    lines.push(
      summary.platform === 'azure'
        ? `Cloud-init of the on-premises office proxies (boot them on the offices' hypervisors): ${summary.outdir}/cloud-init/*.yaml (${summary.cloudInitFiles.length})`
        : `Cloud-init per host (to build the same hosts on any hypervisor instead): ${summary.outdir}/cloud-init/*.yaml (${summary.cloudInitFiles.length})`,
    );
  }
  lines.push(
    '',
    `STATE HOLDS SECRETS: Terraform state (${summary.state.backend === 'local' ? 'local file terraform.smc.tfstate in the stack folder' : `${summary.state.backend} backend`}) keeps these in plain text: ${summary.state.secrets.join(', ')}.`,
    summary.state.backend === 'local'
      ? '  Keep it off laptops: use a remote backend with encryption and access control (--backend azurerm --backend-config storage_account_name=... container_name=... key=...).'
      : '  Restrict who can read the state (it is as sensitive as the CA key).',
  );
  if (summary.state.missingBackendSettings.length > 0) {
    lines.push(
      `  Backend settings still to give at init: terraform init ${summary.state.missingBackendSettings.map((k) => `-backend-config=${k}=...`).join(' ')}`,
    );
  }
  for (const warning of summary.warnings) lines.push(`WARNING: ${warning}`);
  if (summary.placeholders) {
    lines.push(
      '',
      'PLACEHOLDER HOSTS: no --hosts file was given, so hosts use documentation addresses (192.0.2.x, 198.51.100.x, 203.0.113.x, RFC 5737)',
      'and ssh user smc-admin with key ~/.ssh/id_ed25519. They route nowhere: pass --hosts FILE before applying.',
    );
  }
  for (const note of summary.notes) lines.push(`Note: ${note}`);
  return `${lines.join('\n')}\n`;
}
