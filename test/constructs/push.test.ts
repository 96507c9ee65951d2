import { describe, expect, it } from 'vitest';
import { evaluatePolicy } from '../../constructs/policy/index.js';
import { azureUserData, resources, synthDeployment, vmsScripts } from './synth-helper.js';

/*
 * The push service as the deployment installs it: Eclipse Mosquitto from the distribution,
 * mutual TLS with the deployment CA, the ACL bound to the certificate CN, `smc serve`
 * publishing to it with its own client certificate, 8883 in the port table and firewalls.
 */
describe('push service (Mosquitto) on the server hosts', () => {
  const azure = synthDeployment('azure', { clients: 150_000, offices: 1 });
  const server = azureUserData(azure.json).get('smc-server-1') ?? '';

  it('installs mosquitto with client certificates required and the ACL by CN', () => {
    expect(server).toMatch(/packages:[\s\S]*- mosquitto/);
    expect(server).toContain('/etc/mosquitto/conf.d/smc-push.conf');
    for (const line of [
      'listener 8883',
      'require_certificate true',
      'use_identity_as_username true',
      'cafile /etc/mosquitto/smc/ca.pem',
      'allow_anonymous false',
      'acl_file /etc/mosquitto/smc/acl',
      'user smc-push-publisher',
      'topic write smc/agents/+/wakeup',
      'pattern read smc/agents/%u/wakeup',
    ]) {
      expect(server).toContain(line);
    }
    // Certificates are fetched (root only) before they are handed to the mosquitto user.
    expect(server).toContain(
      "fetch push-publisher-certificate '/etc/smc/push/publisher.pem' smc:smc",
    );
    expect(server.indexOf('/usr/local/sbin/smc-fetch-secrets"]')).toBeLessThan(
      server.indexOf('install -m 0600 -o mosquitto -g mosquitto /etc/smc/push/broker.key'),
    );
    expect(server).not.toMatch(/PRIVATE KEY/);
  });

  it('points smc serve at the local broker with the publisher identity', () => {
    expect(server).toContain('--push-broker mqtts://127.0.0.1:8883 \\');
    expect(server).toContain('--push-cert /etc/smc/push/publisher.pem \\');
    expect(server).toContain('--push-key /etc/smc/push/publisher.key \\');
    expect(server).toMatch(/After=.*mosquitto\.service/);
  });

  it('opens 8883 to agents only, on both platforms and the load balancer', () => {
    const nsgRules = resources(azure.json, 'azurerm_network_security_group').flatMap(
      (nsg) => (nsg.security_rule ?? []) as { destination_port_range?: string; name: string }[],
    );
    expect(nsgRules.filter((r) => r.destination_port_range === '8883').map((r) => r.name)).toEqual(
      expect.arrayContaining([expect.stringMatching(/push/)]),
    );
    const lbPorts = resources(azure.json, 'azurerm_lb_rule').map((r) => r.frontend_port);
    expect(lbPorts).toContain(8883);
    const vms = synthDeployment('vms', { clients: 800, offices: 1 });
    const script = vmsScripts(vms.json).get('smc-server-1') ?? '';
    expect(script).toMatch(/tcp dport 8883 accept comment "push/);
    expect(script).toContain('require_certificate true');
  });

  it('the policy suite refuses a broker without client certificates or with a shared topic', () => {
    const { json } = synthDeployment('vms', { clients: 800 });
    const hosts = json.resource?.null_resource as Record<
      string,
      { provisioner: { file?: { content: string } }[] }
    >;
    for (const host of Object.values(hosts)) {
      for (const p of host.provisioner) {
        if (p.file)
          p.file.content = p.file.content
            .replace('require_certificate true', 'require_certificate false')
            .replace('pattern read smc/agents/%u/wakeup', 'topic read smc/agents/+/wakeup');
      }
    }
    const messages = evaluatePolicy(json)
      .filter((v) => v.ruleId === 'SMC-NET-PUSH-MTLS')
      .map((v) => v.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        'mosquitto: no "require_certificate true"',
        "mosquitto: an ACL line lets a client read every agent's topic",
      ]),
    );
  });

  it('embedded: no mosquitto, smc serve runs its own broker on 8883', () => {
    const { json } = synthDeployment('azure', { clients: 800 }, { push: 'embedded' });
    const text = azureUserData(json).get('smc-server-1') ?? '';
    expect(text).not.toContain('mosquitto');
    expect(text).toContain('--push-port 8883 \\');
  });
});
