import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { TerraformStack, Testing } from 'cdktf';
import { SmcDeployment, type SmcDeploymentProps } from '../../constructs/index.js';
import type { TerraformJson } from '../../constructs/policy/index.js';
import { placeholderHostsFor } from '../../constructs/vms-hosts.js';
import { AzurePlatform, type AzurePlatformProps } from '../../provider/azure/index.js';
import { VmsPlatform } from '../../provider/vms/index.js';
import { planDeployment, type SizingInput, type SizingPlan } from '../../sizing/index.js';

export interface Synthesized {
  readonly plan: SizingPlan;
  readonly json: TerraformJson & Record<string, unknown>;
  readonly deployment: SmcDeployment;
  readonly platform: AzurePlatform | VmsPlatform;
}

export type Kind = 'azure' | 'vms';

/** Plans, builds and synthesizes one deployment the way `smc synth` does. */
export function synthDeployment(
  kind: Kind,
  sizing: Omit<SizingInput, 'platform'>,
  extra: Partial<Omit<SmcDeploymentProps, 'platform' | 'plan' | 'sizing'>> = {},
  azure: Partial<AzurePlatformProps> = {},
): Synthesized {
  const plan = planDeployment({ ...sizing, platform: kind });
  const stack = new TerraformStack(Testing.app(), 'smc');
  const platform =
    kind === 'azure'
      ? new AzurePlatform(stack, 'Platform', { location: 'westeurope', ...azure })
      : new VmsPlatform(stack, 'Platform', { hosts: placeholderHostsFor(plan) });
  const deployment = new SmcDeployment(stack, 'Smc', { platform, plan, ...extra });
  // A full synth, as `cdktf synth` and `smc synth` write it: metadata (construct paths) included.
  const outdir = Testing.fullSynth(stack);
  try {
    const json = JSON.parse(readFileSync(join(outdir, 'stacks', 'smc', 'cdk.tf.json'), 'utf8'));
    return { plan, json, deployment, platform };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

export function resources(json: TerraformJson, type: string): Record<string, unknown>[] {
  return Object.values(json.resource?.[type] ?? {}) as Record<string, unknown>[];
}

/** Decoded custom data of every Azure VM, by computer name. */
export function azureUserData(json: TerraformJson): Map<string, string> {
  return new Map(
    resources(json, 'azurerm_linux_virtual_machine').map((vm) => [
      String(vm.computer_name),
      Buffer.from(String(vm.custom_data), 'base64').toString('utf8'),
    ]),
  );
}

/** The bootstrap script of every vms host, by host name. */
export function vmsScripts(json: TerraformJson): Map<string, string> {
  return new Map(
    resources(json, 'null_resource').map((host) => {
      const provisioners = host.provisioner as {
        file?: { content: string; destination: string };
      }[];
      const file = provisioners
        .map((p) => p.file)
        .find((f) => f?.destination.endsWith('/bootstrap.sh'));
      const hostname = /smc-staging-([a-z0-9-]+)\//.exec(file?.destination ?? '')?.[1] ?? '?';
      return [hostname, file?.content ?? ''];
    }),
  );
}

export const TIER_CLIENTS = [800, 3_000, 8_000, 20_000, 80_000, 150_000] as const;
