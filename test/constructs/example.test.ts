import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluatePolicy, formatViolations } from '../../constructs/policy/index.js';
import { buildApp, type SmcStack } from '../../examples/main.js';

/**
 * cdktf-cli is not installed here, so `cdktf synth` cannot run; this does what it would:
 * run the example app's synth into a folder and read the stack it wrote.
 */
describe('examples/main.ts', () => {
  it('synthesizes a stack that passes the policy suite', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'smc-example-'));
    try {
      const app = buildApp(outdir);
      app.synth();
      const json = JSON.parse(readFileSync(join(outdir, 'stacks', 'smc', 'cdk.tf.json'), 'utf8'));
      expect(formatViolations(evaluatePolicy(json))).toBe('');
      // Server, MDM and the main site's sensor in Azure; the offices' proxies on-premises, as
      // cloud-init documents.
      expect(Object.keys(json.resource.azurerm_linux_virtual_machine)).toHaveLength(3);
      const stack = app.node.findChild('smc') as SmcStack;
      expect([...stack.platform.cloudInitDocuments.keys()]).toEqual([
        'smc-proxy-paris-1',
        'smc-proxy-paris-2',
        'smc-proxy-paris-3',
        'smc-proxy-lyon-1',
        'smc-proxy-lille-1',
        'smc-proxy-nantes-1',
      ]);
      expect(json.output.agent_url.value).toBe('https://smc.smc.internal:2222');
      const [kv] = Object.values(json.resource.azurerm_key_vault) as {
        network_acls: { ip_rules: string[] };
      }[];
      // Azure stores a lone address without /32: written that way, plans stay clean.
      expect(kv?.network_acls.ip_rules).toEqual(['198.51.100.7']);
      expect(json.terraform.backend).toEqual({
        azurerm: {
          resource_group_name: 'tfstate',
          storage_account_name: 'acmetfstate',
          container_name: 'tfstate',
          key: 'smc.tfstate',
          use_azuread_auth: true,
        },
      });
      const vmData = Object.values(json.resource.azurerm_linux_virtual_machine).map((vm) =>
        Buffer.from(String((vm as { custom_data: string }).custom_data), 'base64').toString(),
      );
      expect(vmData.join('\n')).toContain("'https://mirror.acme.example/nodejs/dist'");
      expect(vmData.join('\n')).toContain(
        "'https://mirror.acme.example/smc/smc-kit-0.1.0-offline.tgz'",
      );
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  it('cdktf.json runs the compiled example', () => {
    const config = JSON.parse(
      readFileSync(new URL('../../examples/cdktf.json', import.meta.url), 'utf8'),
    );
    expect(config).toMatchObject({ language: 'typescript', app: 'node ../dist/examples/main.js' });
  });
});
