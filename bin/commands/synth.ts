import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { TerraformStack } from 'cdktf';
import type { Command } from 'commander';
import type { TerraformJson } from '../../constructs/policy/index.js';
import type { Platform } from '../../provider/platform.js';
import { PropsError } from '../../provider/props-error.js';
import { planDeployment, type SizingPlan } from '../../sizing/index.js';
import {
  addPlanOptions,
  PLAN_FLAGS,
  type PlanFlagValues,
  planInputFrom,
} from '../cli/plan-options.js';
import { runAction } from '../cli/run-action.js';
import { UsageError } from '../cli/usage-error.js';
import { machineRows, renderSynthSummary, type SynthSummary } from '../render/synth-summary.js';

const STACK = 'smc';

/**
 * cdktf 0.21 can render HCL without a terraform binary, but it writes multi-line values
 * (cloud-init, scripts, certificates) as plain quoted strings, which Terraform rejects
 * ("Invalid multi-line string", checked with `terraform fmt`). JSON is Terraform's own format.
 */
const HCL_UNSUPPORTED =
  "cdktf 0.21's HCL renderer writes multi-line strings (cloud-init, scripts) that Terraform rejects; the default output, cdk.tf.json, is read by terraform as is";

interface SynthOptions extends PlanFlagValues {
  hosts?: string;
  out: string;
  hcl?: boolean;
  location: string;
  json?: boolean;
}

export function registerSynthCommand(program: Command): void {
  const command = program
    .command('synth')
    .summary('write Terraform for a sized deployment (cdktf.out)')
    .description(
      'Size a deployment like `smc plan`, build it with the smc-kit constructs on Azure or on existing hosts (vms), and write the Terraform configuration cdktf synthesizes, then print what it creates and run the policy checks over it.',
    );
  addPlanOptions(command)
    .option(
      '--hosts <file>',
      'vms only: JSON file of existing hosts per role ({"server":[{"address","sshUser","sshPrivateKeyPath"}],...})',
    )
    .option('--location <region>', 'azure only: region', 'westeurope')
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
        'Examples:',
        '  smc synth --clients 150000 --platform azure',
        '  smc synth --clients 800 --platform vms --hosts hosts.json --out infra',
        '  smc synth --clients 20000 --offices 4 --mobile-devices 300 --json',
      ].join('\n'),
    )
    .action((options: SynthOptions) => runAction(() => synth(options), PLAN_FLAGS));
}

async function synth(options: SynthOptions): Promise<number> {
  const plan = planDeployment(planInputFrom(options));
  if (options.hcl) throw new UsageError(`--hcl: ${HCL_UNSUPPORTED}`);
  if (options.hosts && plan.input.platform !== 'vms') {
    throw new UsageError('--hosts: only applies to --platform vms');
  }
  const outdir = options.out;
  if (outdir.trim() === '' || outdir === '.' || outdir === '/') {
    throw new UsageError(
      `--out: must be a folder of its own; it is replaced on every run (got "${outdir}")`,
    );
  }
  try {
    return await synthPlan(plan, options, outdir);
  } catch (error) {
    if (error instanceof PropsError) {
      throw new UsageError(
        options.hosts && error.field.startsWith('hosts')
          ? `--hosts ${options.hosts}: ${error.message}`
          : error.message,
      );
    }
    throw error;
  }
}

async function synthPlan(plan: SizingPlan, options: SynthOptions, outdir: string): Promise<number> {
  // Loaded here, not at the top: `smc plan` and `--help` never pay for cdktf and the providers.
  const { App, TerraformStack } = await import('cdktf');
  const { SmcDeployment } = await import('../../constructs/deployment.js');
  const { evaluatePolicy, POLICY_RULES } = await import('../../constructs/policy/index.js');
  // A fresh folder each run, so no stale stack or cloud-init file survives (App creates it).
  rmSync(outdir, { recursive: true, force: true });
  const app = new App({ outdir });
  const stack = new TerraformStack(app, STACK);
  const platform = await createPlatform(stack, plan, options);
  new SmcDeployment(stack, 'Smc', { platform: platform.platform, plan });
  app.synth();

  const doc = stack.toTerraform() as TerraformJson;
  const resourceCounts = Object.fromEntries(
    Object.entries(doc.resource ?? {}).map(([type, byName]) => [type, Object.keys(byName).length]),
  );
  const cloudInitFiles = platform.writeCloudInit(join(outdir, 'cloud-init'));
  const stackFile = relative(process.cwd(), join(outdir, 'stacks', STACK, 'cdk.tf.json'));
  const violations = evaluatePolicy(doc);
  const summary: SynthSummary = {
    platform: plan.input.platform,
    clients: plan.input.clients,
    tier: plan.tier.label,
    outdir,
    stackFile,
    resourceCounts,
    machines: machineRows(plan, platform.addressesOf),
    outputs: Object.keys(doc.output ?? {}),
    policy: { rules: POLICY_RULES.length, violations },
    placeholders: platform.placeholders,
    cloudInitFiles,
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
  writeCloudInit(folder: string): string[];
}

async function createPlatform(
  stack: TerraformStack,
  plan: SizingPlan,
  options: SynthOptions,
): Promise<CreatedPlatform> {
  if (plan.input.platform === 'azure') {
    // Only the azurerm submodules the platform uses, never the package root (1,500 modules).
    const { AzurePlatform } = await import('../../provider/azure/platform.js');
    const platform = new AzurePlatform(stack, 'Platform', { location: options.location });
    return { platform, placeholders: false, addressesOf: () => [], writeCloudInit: () => [] };
  }
  const { VmsPlatform } = await import('../../provider/vms/platform.js');
  const { validateInventory } = await import('../../provider/vms/hosts.js');
  const { placeholderHostsFor } = await import('../../constructs/vms-hosts.js');
  const hosts = options.hosts
    ? validateInventory(readHostsFile(options.hosts))
    : placeholderHostsFor(plan);
  const platform = new VmsPlatform(stack, 'Platform', { hosts });
  return {
    platform,
    placeholders: platform.usesPlaceholders,
    addressesOf: (role) => (hosts[role as keyof typeof hosts] ?? []).map((h) => h.address),
    writeCloudInit(folder) {
      mkdirSync(folder, { recursive: true });
      return [...platform.cloudInitDocuments].map(([hostname, yaml]) => {
        const file = join(folder, `${hostname}.yaml`);
        writeFileSync(file, yaml);
        return file;
      });
    },
  };
}

function readHostsFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(
      `--hosts: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--hosts ${path}: not valid JSON (${(error as Error).message})`);
  }
}
