/**
 * A cdktf app that deploys smc-kit for 20,000 clients with four branch offices and an MDM
 * connector on Azure. Copy this folder to start your own.
 *
 * In your project, import from the package instead of the repository's folders:
 *   import { SmcDeployment } from 'smc-kit/dist/constructs/index.js';
 *   import { AzurePlatform } from 'smc-kit/dist/provider/azure/index.js';
 * and point cdktf.json's "app" at your compiled main.js (or `npx tsx main.ts`).
 */
import { pathToFileURL } from 'node:url';
import { App, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { SmcDeployment } from '../constructs/index.js';
import { AzurePlatform } from '../provider/azure/index.js';
import { planDeployment } from '../sizing/index.js';

export class SmcStack extends TerraformStack {
  readonly deployment: SmcDeployment;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const plan = planDeployment({
      clients: 20_000,
      offices: 4,
      mobileDevices: 300,
      platform: 'azure',
    });
    const platform = new AzurePlatform(this, 'Platform', {
      location: 'westeurope',
      namePrefix: 'smc',
      // Where `terraform apply` runs: it writes the generated secrets into Key Vault.
      keyVaultAllowedCidrs: ['198.51.100.7/32'],
      lock: 'CanNotDelete',
    });
    this.deployment = new SmcDeployment(this, 'Smc', {
      platform,
      plan,
      agentCidrs: ['10.0.0.0/8'],
      adminCidrs: ['10.10.0.0/24'],
      proxy: { flavor: 'apache' },
      database: { backupRetentionDays: 35 },
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
