import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluatePolicy, formatViolations } from '../../constructs/policy/index.js';
import { buildApp } from '../../examples/main.js';

/**
 * cdktf-cli is not installed here, so `cdktf synth` cannot run; this does what it would:
 * run the example app's synth into a folder and read the stack it wrote.
 */
describe('examples/main.ts', () => {
  it('synthesizes a stack that passes the policy suite', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'smc-example-'));
    try {
      buildApp(outdir).synth();
      const json = JSON.parse(readFileSync(join(outdir, 'stacks', 'smc', 'cdk.tf.json'), 'utf8'));
      expect(formatViolations(evaluatePolicy(json))).toBe('');
      expect(Object.keys(json.resource.azurerm_linux_virtual_machine)).toHaveLength(1 + 4 * 4 + 1);
      expect(json.output.agent_url.value).toBe('https://smc.smc.internal:2222');
      const [kv] = Object.values(json.resource.azurerm_key_vault) as {
        network_acls: { ip_rules: string[] };
      }[];
      expect(kv?.network_acls.ip_rules).toEqual(['198.51.100.7/32']);
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
