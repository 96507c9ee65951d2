/**
 * A cdktf app that deploys smc-kit for 20,000 clients on Azure: four branch offices with their
 * own head-counts and networks (their proxies run on-premises, built from the cloud-init this
 * writes), an MDM connector, state in Azure Storage, hosts installing from an internal mirror.
 * Every prop an architect sets is here; copy this folder to start your own.
 *
 * In your project, import from the package instead of the repository's folders:
 *   import { SmcDeployment } from 'smc-kit/constructs';
 *   import { configureStateBackend } from 'smc-kit/provider';
 *   import { AzurePlatform } from 'smc-kit/provider/azure';
 *   import { planDeployment } from 'smc-kit/sizing';
 * and point cdktf.json's "app" at your compiled main.js (or `npx tsx main.ts`).
 * `smc synth --config smc.json` builds the same from a JSON file (see README).
 */
import { pathToFileURL } from 'node:url';
import { App, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { SmcDeployment } from '../constructs/index.js';
import { AzurePlatform } from '../provider/azure/index.js';
import { configureStateBackend } from '../provider/state-backend.js';
import { planDeployment } from '../sizing/index.js';

export class SmcStack extends TerraformStack {
  readonly deployment: SmcDeployment;
  readonly platform: AzurePlatform;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    // State holds the CA key, the service keys, the database password and the admin tokens:
    // keep it in a storage account with encryption, access control and versioning.
    configureStateBackend(this, {
      type: 'azurerm',
      config: {
        resource_group_name: 'tfstate',
        storage_account_name: 'acmetfstate',
        container_name: 'tfstate',
        key: 'smc.tfstate',
        use_azuread_auth: true,
      },
    });
    const plan = planDeployment({
      clients: 20_000,
      // Paris, Lyon, Lille, Nantes: the rest of the 20,000 are at headquarters.
      officeClients: [2_400, 900, 600, 300],
      mobileDevices: 300,
      platform: 'azure',
    });
    this.platform = new AzurePlatform(this, 'Platform', {
      location: 'westeurope',
      namePrefix: 'acmesmc',
      // Where `terraform apply` runs (its public egress address): it writes the generated
      // secrets into Key Vault, which refuses everyone else outside the VNet.
      keyVaultAllowedCidrs: ['198.51.100.7/32'],
      diagnosticsWorkspaceId:
        '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/monitoring/providers/Microsoft.OperationalInsights/workspaces/acme-logs',
      officeProxies: 'on-premises',
      lock: 'CanNotDelete',
    });
    this.deployment = new SmcDeployment(this, 'Smc', {
      platform: this.platform,
      plan,
      agentCidrs: ['10.0.0.0/12'],
      adminCidrs: ['10.10.0.0/24'],
      offices: [
        { name: 'paris', agentCidrs: ['10.20.0.0/16'] },
        { name: 'lyon', agentCidrs: ['10.21.0.0/16'] },
        { name: 'lille', agentCidrs: ['10.22.0.0/16'], proxyFlavor: 'squid' },
        { name: 'nantes', agentCidrs: ['10.23.0.0/16'] },
      ],
      proxy: { flavor: 'apache', updateHosts: ['updates.acme.example'] },
      // A sensor hears only its own LAN's broadcasts: the VNet's here. The offices' sensors
      // belong on the offices' LANs (an existing host there, platform vms).
      rogueDetection: { sensors: 'main-site' },
      database: { backupRetentionDays: 35 },
      // The offline route: hosts install from the company's mirrors, never the internet.
      artifact: 'https://mirror.acme.example/smc/smc-kit-0.1.0-offline.tgz',
      nodeMirror: 'https://mirror.acme.example/nodejs/dist',
      tags: { owner: 'secops', 'cost-center': 'it-security' },
    });
  }
}

/** Builds the app; `cdktf synth` runs this file, tests call it with a folder of their own. */
export function buildApp(outdir = 'cdktf.out'): App {
  const app = new App({ outdir });
  new SmcStack(app, 'smc');
  return app;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  buildApp().synth();
}
