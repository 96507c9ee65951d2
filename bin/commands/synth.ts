import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { TerraformStack } from 'cdktf';
import type { Command } from 'commander';
import type { TerraformJson } from '../../constructs/index.js';
import type { Platform } from '../../provider/index.js';
import { planDeployment, SizingInputError, type SizingPlan } from '../../sizing/index.js';
import { addPlanOptions, PLAN_FLAGS } from '../cli/plan-options.js';
import { runAction } from '../cli/run-action.js';
import {
  addSynthOptions,
  resolveSynthSettings,
  type SynthFlagValues,
  type SynthSettings,
} from '../cli/synth-options.js';
import { UsageError } from '../cli/usage-error.js';
import {
  machineRows,
  renderSynthSummary,
  type SynthSummary,
  sensorRows,
} from '../render/synth-summary.js';

const STACK = 'smc';

/**
 * cdktf 0.21 can render HCL without a terraform binary, but it writes multi-line values
 * (cloud-init, scripts, certificates) as plain quoted strings, which Terraform rejects
 * ("Invalid multi-line string", checked with `terraform fmt`). JSON is Terraform's own format.
 */
const HCL_UNSUPPORTED =
  "cdktf 0.21's HCL renderer writes multi-line strings (cloud-init, scripts) that Terraform rejects; the default output, cdk.tf.json, is read by terraform as is";

export function registerSynthCommand(program: Command): void {
  const command = program
    .command('synth')
    .summary('write Terraform for a sized deployment (cdktf.out)')
    .description(
      'Size a deployment like `smc plan`, build it with the smc-kit constructs on Azure or on existing hosts (vms), and write the Terraform configuration cdktf synthesizes, then print what it creates, what its state holds and run the policy checks over it.',
    );
  addSynthOptions(addPlanOptions(command, { clientsDefault: undefined, clientsOptional: true }))
    .option('--out <dir>', 'output folder (replaced)', 'cdktf.out')
    .option('--hcl', `not supported: ${HCL_UNSUPPORTED}`)
    .option('--json', 'print the summary as JSON')
    .addHelpText(
      'after',
      [
        '',
        'Without --hosts, vms uses placeholder addresses from the documentation ranges (RFC 5737:',
        '192.0.2.x, 198.51.100.x, 203.0.113.x) so the output can be read and checked, never applied by accident.',
        '',
        "--config FILE holds the same settings as JSON (field names as in the constructs' props:",
        'clients, offices [{name, clients, agentCidrs}], agentCidrs, adminCidrs, artifact, nodeMirror,',
        'hosts, azure {location, namePrefix, keyVaultAllowedCidrs, ...}, backend {type, config}); see README.',
        '',
        'Examples:',
        '  smc synth --clients 150000 --platform azure --key-vault-allowed-cidr 203.0.113.7/32 \\',
        '    --backend azurerm --backend-config storage_account_name=smcstate --backend-config container_name=tfstate --backend-config key=smc.tfstate',
        '  smc synth --clients 800 --platform vms --hosts hosts.json --office-clients 300 --out infra',
        '  smc synth --config smc.json --artifact https://mirror.example.internal/smc-kit-0.1.0.tgz --node-mirror https://mirror.example.internal/node',
      ].join('\n'),
    )
    .action((options: SynthFlagValues) => runAction(() => synth(command, options), PLAN_FLAGS));
}

async function synth(command: Command, options: SynthFlagValues): Promise<number> {
  if (options.hcl) throw new UsageError(`--hcl: ${HCL_UNSUPPORTED}`);
  const settings = resolveSynthSettings(command, options);
  const outdir = options.out;
  if (outdir.trim() === '' || outdir === '.' || outdir === '/') {
    throw new UsageError(
      `--out: must be a folder of its own; it is replaced on every run (got "${outdir}")`,
    );
  }
  try {
    if (settings.planInput.clients === undefined) {
      throw new UsageError('--clients: required (or clients in the --config file)');
    }
    const plan = planDeployment(settings.planInput);
    if (settings.vms.hostsSource && plan.input.platform !== 'vms') {
      throw new UsageError(`${settings.vms.hostsSource}: only applies to --platform vms`);
    }
    return await synthPlan(plan, settings, options, outdir);
  } catch (error) {
    if (error instanceof SizingInputError) throw new UsageError(settings.describeError(error));
    // The provider is loaded only now: a sizing error never pays for cdktf.
    const { PropsError } = await import('../../provider/index.js');
    if (error instanceof PropsError) throw new UsageError(settings.describeError(error));
    throw error;
  }
}

async function synthPlan(
  plan: SizingPlan,
  settings: SynthSettings,
  options: SynthFlagValues,
  outdir: string,
): Promise<number> {
  // Loaded here, not at the top: `smc plan` and `--help` never pay for cdktf and the providers.
  const { App, TerraformStack } = await import('cdktf');
  const { evaluatePolicy, POLICY_RULES, SmcDeployment } = await import('../../constructs/index.js');
  const { configureStateBackend } = await import('../../provider/index.js');
  const { collectWarnings } = await import('../render/construct-warnings.js');
  // A fresh folder each run, so no stale stack or cloud-init file survives (App creates it).
  rmSync(outdir, { recursive: true, force: true });
  const app = new App({ outdir });
  const stack = new TerraformStack(app, STACK);
  const backend = configureStateBackend(stack, settings.backend);
  const platform = await createPlatform(stack, plan, settings);
  const deployment = new SmcDeployment(stack, 'Smc', {
    platform: platform.platform,
    plan,
    ...settings.deployment,
  });
  app.synth();

  const doc = stack.toTerraform() as TerraformJson;
  const resourceCounts = Object.fromEntries(
    Object.entries(doc.resource ?? {}).map(([type, byName]) => [type, Object.keys(byName).length]),
  );
  const cloudInitFiles = writeCloudInit(platform.platform, join(outdir, 'cloud-init'));
  const stackFile = relative(process.cwd(), join(outdir, 'stacks', STACK, 'cdk.tf.json'));
  const violations = evaluatePolicy(doc);
  const summary: SynthSummary = {
    platform: plan.input.platform,
    clients: plan.input.clients,
    tier: plan.tier.label,
    outdir,
    stackFile,
    resourceCounts,
    machines: [
      ...machineRows(plan, platform.addressesOf, deployment.database.engine),
      ...sensorRows(plan, deployment.sensors, deployment.sensors[0]?.azureVmSize),
    ],
    offices: plan.proxies.offices.map((office, i) => ({
      name: settings.deployment.offices?.[i]?.name ?? `office-${office.index}`,
      clients: office.clients,
      proxies: settings.deployment.offices?.[i]?.proxies ?? office.proxies,
    })),
    outputs: Object.keys(doc.output ?? {}),
    policy: { rules: POLICY_RULES.length, violations },
    placeholders: platform.placeholders,
    cloudInitFiles,
    warnings: [...plan.warnings.map((w) => w.message), ...collectWarnings(stack)],
    state: {
      backend: backend.type,
      missingBackendSettings: backend.missing,
      secrets: platform.platform.secretNames.filter((name) => !name.endsWith('-certificate')),
    },
    adminToken:
      plan.input.platform === 'azure'
        ? 'az keyvault secret show --vault-name "$(terraform output -raw key_vault_name)" --name admin-token --query value -o tsv (or terraform output -raw admin_token)'
        : 'terraform output -raw admin_token',
    notes: [platform.platform.dnsNote],
  };
  process.stdout.write(
    options.json ? `${JSON.stringify(summary, null, 2)}\n` : renderSynthSummary(summary),
  );
  // A configuration that breaks our own policy is a bug, not a user's mistake.
  return violations.length === 0 ? 0 : 1;
}

interface CreatedPlatform {
  readonly platform: Platform;
  readonly placeholders: boolean;
  readonly addressesOf: (role: string) => readonly string[];
}

async function createPlatform(
  stack: TerraformStack,
  plan: SizingPlan,
  settings: SynthSettings,
): Promise<CreatedPlatform> {
  if (plan.input.platform === 'azure') {
    // Only the azurerm submodules the platform uses, never the package root (1,500 modules).
    const { AzurePlatform } = await import('../../provider/azure/index.js');
    const platform = new AzurePlatform(stack, 'Platform', settings.azure);
    return { platform, placeholders: false, addressesOf: () => [] };
  }
  const { validateInventory, VmsPlatform } = await import('../../provider/vms/index.js');
  const { placeholderHostsFor } = await import('../../constructs/index.js');
  const hosts =
    settings.vms.hosts !== undefined
      ? validateInventory(settings.vms.hosts)
      : placeholderHostsFor(plan);
  const platform = new VmsPlatform(stack, 'Platform', {
    hosts,
    ...(settings.vms.dnsZone ? { dnsZone: settings.vms.dnsZone } : {}),
    ...(settings.vms.etcHosts !== undefined ? { etcHosts: settings.vms.etcHosts } : {}),
  });
  return {
    platform,
    placeholders: platform.usesPlaceholders,
    addressesOf: (role) => (hosts[role as keyof typeof hosts] ?? []).map((h) => h.address),
  };
}

function writeCloudInit(platform: Platform, folder: string): string[] {
  const documents = [...platform.cloudInitDocuments];
  if (documents.length === 0) return [];
  mkdirSync(folder, { recursive: true });
  return documents.map(([hostname, yaml]) => {
    const file = join(folder, `${hostname}.yaml`);
    writeFileSync(file, yaml);
    return file;
  });
}
