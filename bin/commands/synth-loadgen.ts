import { rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { type Command, Option } from 'commander';
import type { TerraformJson } from '../../constructs/index.js';
import type { LoadGeneratorFleetProps } from '../../constructs/load-generator/index.js';
import { runAction } from '../cli/run-action.js';
import { UsageError } from '../cli/usage-error.js';

const STACK = 'smc-loadgen';
const collect = (value: string, previous: string[]) => [...previous, value];

interface SynthLoadgenFlags {
  loadGenerators?: string;
  engine: 'kubernetes' | 'azure';
  target?: string;
  agents?: string;
  interval?: string;
  duration?: string;
  simulateArg: string[];
  image?: string;
  cpu?: string;
  memoryGb?: string;
  artifact?: string;
  namespace?: string;
  secretName?: string;
  storageClass?: string;
  location?: string;
  resourceGroup?: string;
  keyVaultId?: string;
  subnetId: string[];
  reportUploadExpiry?: string;
  out: string;
  json?: boolean;
}

/** Prop path -> the flag that sets it, so a construct's error names what the user typed. */
const PROP_FLAGS: Readonly<Record<string, string>> = {
  shards: '--load-generators',
  engine: '--engine',
  target: '--target',
  agents: '--agents',
  interval: '--interval',
  duration: '--duration',
  image: '--image',
  cpu: '--cpu',
  memoryGb: '--memory-gb',
  simulateArgs: '--simulate-arg',
  artifact: '--artifact',
  version: '--artifact',
  'kubernetes.namespace': '--namespace',
  'kubernetes.secretName': '--secret-name',
  'kubernetes.storageClassName': '--storage-class',
  azure: '--location',
  'azure.location': '--location',
  'azure.resourceGroupName': '--resource-group',
  'azure.keyVaultId': '--key-vault-id',
  'azure.reportUploadExpiry': '--report-upload-expiry',
};

export function registerSynthLoadgenCommand(program: Command): void {
  program
    .command('synth-loadgen')
    .summary(
      'write Terraform for a load generator of N shards (Kubernetes Job or Azure containers)',
    )
    .description(
      'Build the LoadGeneratorFleet construct: N machines each run `smc simulate --shard i/N` against a deployed agent plane at the same time and keep their JSON reports for `smc report merge --from`. On Kubernetes an Indexed Job (the completion index is the shard; reports on a ReadWriteMany claim), on Azure one container instance per shard (reports in a blob container). The enrollment token and the CA come from a Kubernetes Secret or Key Vault, by name.',
    )
    .option('--load-generators <n>', 'shards: machines that each run a share of the fleet (1-1000)')
    .addOption(
      new Option('--engine <engine>', 'where the shards run')
        .choices(['kubernetes', 'azure'])
        .default('kubernetes'),
    )
    .option('--target <url>', 'agent plane under test, e.g. https://smc.example.internal:2222')
    .option('--agents <n>', 'virtual agents across all shards (default 10000 per shard)')
    .option('--interval <duration>', 'replication interval the agents start with (default 10m)')
    .option('--duration <duration>', 'wall time each shard runs (default 10m)')
    .addOption(
      new Option(
        '--simulate-arg <arg>',
        "one more smc simulate argument, repeatable and in order: --simulate-arg=--threshold --simulate-arg='p99<250ms'",
      )
        .argParser(collect)
        .default([], 'none'),
    )
    .option('--image <ref>', 'container image with Node.js >= 20.9 (default node:20-bookworm-slim)')
    .option('--cpu <cores>', 'cores per shard (default 1)')
    .option('--memory-gb <gib>', 'memory per shard (default 2)')
    .option(
      '--artifact <spec>',
      'what npx runs: smc-kit@VERSION or an https URL of a .tgz (default: this release)',
    )
    .option('--namespace <name>', 'kubernetes: namespace (default default)')
    .option(
      '--secret-name <name>',
      'kubernetes: Secret with keys enroll-token and ca.pem (default smc-loadgen)',
    )
    .option(
      '--storage-class <name>',
      'kubernetes: ReadWriteMany class of the reports claim (default: the cluster default)',
    )
    .option('--location <region>', 'azure: region, e.g. westeurope')
    .option('--resource-group <name>', 'azure: existing resource group')
    .option(
      '--key-vault-id <id>',
      'azure: Key Vault with secrets loadgen-enroll-token and loadgen-ca',
    )
    .addOption(
      new Option('--subnet-id <id>', 'azure: subnet to join (a private target), repeatable')
        .argParser(collect)
        .default([], 'none'),
    )
    .option(
      '--report-upload-expiry <date>',
      'azure: the shards may upload until then (default 7 days from today)',
    )
    .option('--out <dir>', 'output folder (replaced)', 'cdktf.out')
    .option('--json', 'print the summary as JSON')
    .addHelpText(
      'after',
      [
        '',
        'First put the token and the CA where the shards read them:',
        '  kubernetes: kubectl create secret generic smc-loadgen --from-literal=enroll-token=T --from-file=ca.pem',
        '  azure: az keyvault secret set --vault-name V --name loadgen-enroll-token (and loadgen-ca)',
        'then terraform apply in <out>/stacks/smc-loadgen, and merge the reports with smc report merge --from.',
        '',
        'Examples:',
        "  smc synth-loadgen --load-generators 10 --target https://smc.example.internal:2222 --agents 100000 --simulate-arg=--threshold --simulate-arg='p99<250ms'",
        '  smc synth-loadgen --load-generators 10 --engine azure --target https://smc.example.internal:2222 \\',
        '    --location westeurope --resource-group smc-rg --key-vault-id /subscriptions/S/resourceGroups/smc-rg/providers/Microsoft.KeyVault/vaults/smc-kv',
      ].join('\n'),
    )
    .action((options: SynthLoadgenFlags) => runAction(() => synthLoadgen(options)));
}

async function synthLoadgen(flags: SynthLoadgenFlags): Promise<number> {
  const outdir = flags.out;
  if (outdir.trim() === '' || outdir === '.' || outdir === '/') {
    throw new UsageError(
      `--out: must be a folder of its own; it is replaced on every run (got "${outdir}")`,
    );
  }
  if (flags.loadGenerators === undefined) throw new UsageError('--load-generators: required');
  if (flags.target === undefined) throw new UsageError('--target: required');
  const azureOnly = [
    flags.location,
    flags.resourceGroup,
    flags.keyVaultId,
    flags.reportUploadExpiry,
  ];
  if (
    flags.engine !== 'azure' &&
    (azureOnly.some((v) => v !== undefined) || flags.subnetId.length > 0)
  ) {
    throw new UsageError(
      '--location, --resource-group, --key-vault-id, --subnet-id: only apply to --engine azure',
    );
  }
  if (
    flags.engine !== 'kubernetes' &&
    [flags.namespace, flags.secretName, flags.storageClass].some((v) => v !== undefined)
  ) {
    throw new UsageError(
      '--namespace, --secret-name, --storage-class: only apply to --engine kubernetes',
    );
  }
  if (flags.engine === 'azure') {
    for (const [flag, value] of [
      ['--location', flags.location],
      ['--resource-group', flags.resourceGroup],
      ['--key-vault-id', flags.keyVaultId],
    ] as const) {
      if (value === undefined) throw new UsageError(`${flag}: required with --engine azure`);
    }
  }
  const props: LoadGeneratorFleetProps = {
    engine: flags.engine,
    shards: whole(flags.loadGenerators, '--load-generators'),
    target: flags.target,
    ...(flags.agents !== undefined ? { agents: whole(flags.agents, '--agents') } : {}),
    ...(flags.interval !== undefined ? { interval: flags.interval } : {}),
    ...(flags.duration !== undefined ? { duration: flags.duration } : {}),
    simulateArgs: flags.simulateArg,
    ...(flags.image !== undefined ? { image: flags.image } : {}),
    ...(flags.cpu !== undefined ? { cpu: decimal(flags.cpu, '--cpu') } : {}),
    ...(flags.memoryGb !== undefined ? { memoryGb: decimal(flags.memoryGb, '--memory-gb') } : {}),
    ...(flags.artifact !== undefined ? { artifact: flags.artifact } : {}),
    kubernetes: {
      ...(flags.namespace !== undefined ? { namespace: flags.namespace } : {}),
      ...(flags.secretName !== undefined ? { secretName: flags.secretName } : {}),
      ...(flags.storageClass !== undefined ? { storageClassName: flags.storageClass } : {}),
    },
    ...(flags.engine === 'azure'
      ? {
          azure: {
            location: flags.location as string,
            resourceGroupName: flags.resourceGroup as string,
            keyVaultId: flags.keyVaultId as string,
            subnetIds: flags.subnetId,
            ...(flags.reportUploadExpiry !== undefined
              ? { reportUploadExpiry: flags.reportUploadExpiry }
              : {}),
          },
        }
      : {}),
  };
  // Loaded here, not at the top: other commands and --help never pay for cdktf and the providers.
  const { App, TerraformStack } = await import('cdktf');
  const { LoadGeneratorFleet } = await import('../../constructs/load-generator/index.js');
  const { evaluatePolicy, POLICY_RULES } = await import('../../constructs/index.js');
  const { PropsError } = await import('../../provider/index.js');
  rmSync(outdir, { recursive: true, force: true });
  const app = new App({ outdir });
  const stack = new TerraformStack(app, STACK);
  let fleet: InstanceType<typeof LoadGeneratorFleet>;
  try {
    fleet = new LoadGeneratorFleet(stack, 'LoadGenerator', props);
  } catch (error) {
    if (error instanceof PropsError) {
      const flag = PROP_FLAGS[error.field] ?? PROP_FLAGS[error.field.split(/[.[]/)[0] ?? ''];
      const rule = error.message.slice(error.field.length + 2);
      throw new UsageError(flag ? `${flag}: ${rule}` : error.message);
    }
    throw error;
  }
  app.synth();
  const doc = stack.toTerraform() as TerraformJson;
  const violations = evaluatePolicy(doc);
  const settings = fleet.settings;
  const summary = {
    engine: settings.engine,
    shards: settings.shards,
    agents: settings.agents,
    agentsPerShard: Math.ceil(settings.agents / settings.shards),
    target: settings.target,
    stackFile: relative(process.cwd(), join(outdir, 'stacks', STACK, 'cdk.tf.json')),
    resourceCounts: Object.fromEntries(
      Object.entries(doc.resource ?? {}).map(([type, byName]) => [
        type,
        Object.keys(byName).length,
      ]),
    ),
    secrets:
      settings.engine === 'kubernetes'
        ? `Secret ${settings.kubernetes.namespace}/${settings.kubernetes.secretName} (keys ${settings.kubernetes.enrollTokenKey}, ${settings.kubernetes.caKey})`
        : `Key Vault secrets ${settings.azure?.enrollTokenSecretName} and ${settings.azure?.caSecretName}`,
    reports:
      settings.engine === 'kubernetes'
        ? `claim ${settings.kubernetes.namespace}/smc-loadgen-reports: copy out, then smc report merge --from DIR --json all.json`
        : 'blob container: smc report merge --from "$(terraform output -raw loadgen_reports_container_url)" --json all.json (SMC_REPORTS_SAS: a read+list SAS)',
    policy: { rules: POLICY_RULES.length, violations },
  };
  process.stdout.write(
    flags.json ? `${JSON.stringify(summary, null, 2)}\n` : renderSummary(summary),
  );
  return violations.length === 0 ? 0 : 1;
}

function renderSummary(s: {
  engine: string;
  shards: number;
  agents: number;
  agentsPerShard: number;
  target: string;
  stackFile: string;
  resourceCounts: Record<string, number>;
  secrets: string;
  reports: string;
  policy: {
    rules: number;
    violations: readonly { ruleId: string; path: string; message: string }[];
  };
}): string {
  return [
    `smc synth-loadgen: ${s.shards} shards on ${s.engine}, ${s.agents} agents (up to ${s.agentsPerShard} per shard) against ${s.target}`,
    `  wrote ${s.stackFile}`,
    ...Object.entries(s.resourceCounts).map(([type, count]) => `  ${count} x ${type}`),
    `  secrets by reference: ${s.secrets}`,
    `  reports: ${s.reports}`,
    s.policy.violations.length === 0
      ? `  policy: ${s.policy.rules} rules, no violations`
      : `  policy: ${s.policy.violations.length} violations\n${s.policy.violations.map((v) => `    ${v.ruleId}: ${v.path}: ${v.message}`).join('\n')}`,
    '',
  ].join('\n');
}

function whole(text: string, flag: string): number {
  if (!/^\d+$/.test(text.trim()))
    throw new UsageError(`${flag}: must be a whole number (got ${JSON.stringify(text)})`);
  return Number(text);
}

function decimal(text: string, flag: string): number {
  if (!/^\d+(\.\d+)?$/.test(text.trim()))
    throw new UsageError(`${flag}: must be a number (got ${JSON.stringify(text)})`);
  return Number(text);
}
