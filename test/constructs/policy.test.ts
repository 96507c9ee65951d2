import { describe, expect, it } from 'vitest';
import { evaluatePolicy, formatViolations, POLICY_RULES } from '../../constructs/policy/index.js';
import { type Kind, synthDeployment, TIER_CLIENTS } from './synth-helper.js';

describe('policy suite over the synthesized JSON', () => {
  it('names the scanner checks it covers', () => {
    const covered = POLICY_RULES.flatMap((r) => r.covers);
    for (const id of [
      'CKV_AZURE_10',
      'CKV_AZURE_149',
      'CKV_AZURE_160',
      'AVD-AZU-0022',
      'AVD-AZU-0039',
      'AVD-AZU-0050',
    ]) {
      expect(covered).toContain(id);
    }
    expect(new Set(POLICY_RULES.map((r) => r.id)).size).toBe(POLICY_RULES.length);
  });

  for (const kind of ['azure', 'vms'] as Kind[]) {
    for (const clients of TIER_CLIENTS) {
      it(`${clients.toLocaleString('en-US')} clients on ${kind} (with offices and devices) passes every rule`, () => {
        const { json } = synthDeployment(kind, { clients, offices: 2, mobileDevices: 100 });
        const violations = evaluatePolicy(json);
        expect(formatViolations(violations)).toBe('');
      });
    }
    it(`squid proxies on ${kind} pass too`, () => {
      const { json } = synthDeployment(
        kind,
        { clients: 3_000, offices: 1 },
        { proxy: { flavor: 'squid' } },
      );
      expect(formatViolations(evaluatePolicy(json))).toBe('');
    });
  }

  it('a violation fails with the resource path', () => {
    const { json } = synthDeployment('azure', { clients: 800 });
    const nsgs = json.resource?.azurerm_network_security_group as Record<
      string,
      { security_rule: Record<string, unknown>[] }
    >;
    const [name, nsg] = Object.entries(nsgs)[0] ?? [];
    nsg?.security_rule.unshift({
      name: 'oops-ssh',
      direction: 'Inbound',
      access: 'Allow',
      destination_port_range: '22',
      source_address_prefix: 'Internet',
    });
    const vm = Object.values(json.resource?.azurerm_linux_virtual_machine ?? {}).find(
      (v) => (v as { computer_name?: string }).computer_name === 'smc-server-1',
    ) as Record<string, unknown>;
    vm.disable_password_authentication = false;
    const text = formatViolations(evaluatePolicy(json));
    expect(text).toContain(
      `SMC-NET-SSH: azurerm_network_security_group.${name} (smc/Smc/Network/Resources/Nsg-`,
    );
    expect(text).toContain('security_rule[0] oops-ssh: port 22 open to the internet');
    expect(text).toMatch(
      /SMC-VM-SSH-KEYS: azurerm_linux_virtual_machine\.\S+ \(smc\/Smc\/Server\/Host-1\/Vm\): disable_password_authentication/,
    );
  });

  it('catches an open nftables rule and an open relay on vms', () => {
    const { json } = synthDeployment('vms', { clients: 3_000, offices: 1 });
    const hosts = json.resource?.null_resource as Record<
      string,
      { provisioner: { file?: { content: string } }[] }
    >;
    for (const host of Object.values(hosts)) {
      for (const p of host.provisioner) {
        if (p.file) {
          p.file.content = p.file.content
            .replace(
              'tcp dport 22 accept',
              'tcp dport 22 accept\n    ip saddr { 0.0.0.0/0 } tcp dport 22 accept',
            )
            .replace('Require all denied', 'Require all granted');
        }
      }
    }
    const ids = new Set(evaluatePolicy(json).map((v) => v.ruleId));
    expect(ids).toEqual(new Set(['SMC-NET-SSH', 'SMC-PROXY-NO-OPEN-RELAY']));
  });
});
