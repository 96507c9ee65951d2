import { TerraformStack, Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { HttpProxy, SmcDeployment, TaggingAspect } from '../../constructs/index.js';
import { AzurePlatform } from '../../provider/azure/index.js';
import { PropsError } from '../../provider/props-error.js';
import { VmsPlatform } from '../../provider/vms/index.js';
import { planDeployment } from '../../sizing/index.js';
import { resources, synthDeployment } from './synth-helper.js';

function azureStack() {
  const stack = new TerraformStack(Testing.app(), 'smc');
  return { stack, platform: new AzurePlatform(stack, 'Platform', { location: 'westeurope' }) };
}

describe('bad props throw with the field named', () => {
  it('HA on a burstable SKU', () => {
    const { stack, platform } = azureStack();
    expect(
      () =>
        new SmcDeployment(stack, 'Smc', {
          platform,
          sizing: { clients: 150_000 },
          database: { skuName: 'B_Standard_B2ms' },
        }),
    ).toThrow(/^database\.skuName: must not be Burstable with high availability/);
  });

  it('an unknown SKU', () => {
    const { stack, platform } = azureStack();
    expect(
      () =>
        new SmcDeployment(stack, 'Smc', {
          platform,
          sizing: { clients: 900 },
          database: { skuName: 'GP_Huge' },
        }),
    ).toThrow(/^database\.skuName: must be one of B_Standard_B1ms/);
  });

  it('zero proxies with offices', () => {
    const { stack, platform } = azureStack();
    expect(
      () =>
        new SmcDeployment(stack, 'Smc', {
          platform,
          sizing: { clients: 5_000, offices: 2 },
          offices: [{}, { proxies: 0 }],
        }),
    ).toThrow(/^offices\[1\]\.proxies: must be an integer from 1 to 1,000: an office reaches/);
    const plan = planDeployment({ clients: 100, offices: 1 });
    expect(
      () =>
        new HttpProxy(stack, 'P', {
          platform,
          plan,
          office: { name: 'office-1', index: 1 },
          serverNames: ['a.b'],
          serverPort: 2222,
          agentCidrs: ['10.0.0.0/8'],
          flavor: 'nginx' as 'apache',
        }),
    ).toThrow(/^offices\[0\]\.proxyFlavor: must be 'apache' or 'squid'/);
  });

  it('unknown region, with a suggestion', () => {
    const stack = new TerraformStack(Testing.app(), 'smc');
    expect(() => new AzurePlatform(stack, 'Platform', { location: 'westerneurope' })).toThrow(
      /^location: must be an Azure region name such as westeurope \(did you mean westcentralus, westeurope, westindia, westus, westus2, westus3\?\) \(got "westerneurope"\)/,
    );
    expect(
      () => new AzurePlatform(stack, 'P2', { location: 'westeurope', addressSpace: '8.8.0.0/16' }),
    ).toThrow(/^addressSpace:/);
    expect(
      () =>
        new AzurePlatform(stack, 'P3', { location: 'westeurope', lock: 'Sometimes' as 'ReadOnly' }),
    ).toThrow(/^lock:/);
  });

  it('admin access from the whole internet', () => {
    const { stack, platform } = azureStack();
    expect(
      () =>
        new SmcDeployment(stack, 'Smc', {
          platform,
          sizing: { clients: 100 },
          adminCidrs: ['0.0.0.0/0'],
        }),
    ).toThrow(/^adminCidrs\[0\]: must not be the whole internet/);
    expect(
      () =>
        new SmcDeployment(stack, 'Smc2', {
          platform,
          sizing: { clients: 100 },
          agentCidrs: ['10.0.0.0/33'],
        }),
    ).toThrow(/^agentCidrs\[0\]: must be an IPv4 CIDR/);
  });

  it('artifact, version and retention', () => {
    const { stack, platform } = azureStack();
    const make = (id: string, extra: object) => () =>
      new SmcDeployment(stack, id, { platform, sizing: { clients: 100 }, ...extra });
    expect(make('A', { artifact: 'smc-kit; rm -rf /' })).toThrow(
      /^artifact: must be a package spec/,
    );
    expect(make('B', { version: 'latest' })).toThrow(/^version: must be a semantic version/);
    expect(make('C', { nodeVersion: '18.20.0' })).toThrow(
      /^nodeVersion: must be a Node\.js version from 20\.9\.0/,
    );
    expect(make('D', { database: { backupRetentionDays: 3 } })).toThrow(
      /^database\.backupRetentionDays: must be an integer from 7 to 35/,
    );
    expect(make('E', { tags: { 'a/b': 'x' } })).toThrow(/^tags\.a\/b:/);
  });

  it('a plan for another platform, and a managed database on vms', () => {
    const stack = new TerraformStack(Testing.app(), 'smc');
    const platform = new VmsPlatform(stack, 'Platform', {
      hosts: { server: [{ address: '10.0.0.5', sshUser: 'ops', sshPrivateKeyPath: '/k' }] },
    });
    expect(
      () =>
        new SmcDeployment(stack, 'Smc', {
          platform,
          plan: planDeployment({ clients: 100, platform: 'azure' }),
        }),
    ).toThrow(/^plan\.input\.platform: must match the platform \(vms\)/);
    expect(
      () => new SmcDeployment(stack, 'Smc2', { platform, sizing: { clients: 150_000 } }),
    ).toThrow(/^hosts\.database: must list at least 1 host/);
  });

  it('a PropsError is what is thrown', () => {
    const stack = new TerraformStack(Testing.app(), 'smc');
    try {
      new AzurePlatform(stack, 'Platform', { location: 'mars' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(PropsError);
      expect((error as PropsError).field).toBe('location');
    }
  });
});

describe('cross-cutting props', () => {
  it('tags every taggable resource; a resource keeps its own tags', () => {
    const { json } = synthDeployment('azure', { clients: 800 }, { tags: { owner: 'secops' } });
    for (const type of [
      'azurerm_resource_group',
      'azurerm_key_vault',
      'azurerm_postgresql_flexible_server',
      'azurerm_network_security_group',
    ]) {
      for (const resource of resources(json, type)) {
        expect(resource.tags).toEqual({
          'managed-by': 'smc-kit',
          'smc-tier': 'up-to-1k',
          owner: 'secops',
        });
      }
    }
    const [vm] = resources(json, 'azurerm_linux_virtual_machine');
    expect(vm?.tags).toMatchObject({
      owner: 'secops',
      'smc-key-vault-uri': expect.stringContaining('vault_uri'),
    });
    expect(resources(json, 'azurerm_subnet')[0]).not.toHaveProperty('tags');
    expect(() => new TaggingAspect({ 'x?': 'y' })).toThrow(/^tags\.x\?/);
  });

  it('lock and diagnostic settings on Azure', () => {
    const workspace =
      '/subscriptions/0000/resourceGroups/ops/providers/Microsoft.OperationalInsights/workspaces/logs';
    const { json } = synthDeployment(
      'azure',
      { clients: 150_000 },
      {},
      { lock: 'CanNotDelete', diagnosticsWorkspaceId: workspace },
    );
    expect(resources(json, 'azurerm_management_lock')).toEqual([
      expect.objectContaining({ lock_level: 'CanNotDelete' }),
    ]);
    const diagnostics = resources(json, 'azurerm_monitor_diagnostic_setting');
    // Key Vault, three NSGs (server, database, sensor), PostgreSQL, load balancer.
    expect(diagnostics).toHaveLength(6);
    expect(new Set(diagnostics.map((d) => d.log_analytics_workspace_id))).toEqual(
      new Set([workspace]),
    );
  });

  it('an existing resource group instead of a new one', () => {
    const { json } = synthDeployment(
      'azure',
      { clients: 800 },
      {},
      { existingResourceGroupName: 'corp-smc' },
    );
    expect(resources(json, 'azurerm_resource_group')).toHaveLength(0);
    expect(
      Object.values(
        (json as { data: Record<string, Record<string, { name: string }>> }).data
          .azurerm_resource_group ?? {},
      )[0]?.name,
    ).toBe('corp-smc');
  });
});

describe('defaults', () => {
  it('hosts install the version of this package by default', async () => {
    const { readFileSync } = await import('node:fs');
    const { DEFAULT_SMC_VERSION } = await import('../../constructs/version.js');
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(DEFAULT_SMC_VERSION).toBe(pkg.version);
  });
});
