import { describe, expect, it } from 'vitest';
import { PORT_TABLE } from '../../constructs/ports.js';
import { resources, synthDeployment, vmsScripts } from './synth-helper.js';

/** (zone, rule name, port) triples, as each platform rendered them. */
function azureRules(json: Parameters<typeof resources>[0]): string[] {
  return resources(json, 'azurerm_network_security_group').flatMap((nsg) => {
    const zone = String(nsg.name).replace('smc-nsg-', '');
    return (nsg.security_rule as { name: string; access: string; destination_port_range: string }[])
      .filter((r) => r.access === 'Allow')
      .map((r) => `${zone} ${r.name} ${r.destination_port_range}`);
  });
}

function vmsRules(json: Parameters<typeof resources>[0]): string[] {
  const zoneOf = (host: string) =>
    /^smc-(server|lb)/.test(host)
      ? 'server'
      : /^smc-db/.test(host)
        ? 'database'
        : /^smc-rd-sensor/.test(host)
          ? 'sensor'
          : (host.split('-')[1] ?? '');
  const seen = new Set<string>();
  for (const [host, script] of vmsScripts(json)) {
    for (const match of script.matchAll(/(?:tcp|udp) dport (\d+) accept comment "([a-z0-9-]+)"/g)) {
      seen.add(`${zoneOf(host)} ${match[2]} ${match[1]}`);
    }
  }
  return [...seen];
}

describe('one port table, rendered identically on both platforms', () => {
  it('covers the guide ports', () => {
    expect(PORT_TABLE.map((p) => `${p.port}/${p.protocol}`)).toEqual([
      '2222/tcp',
      '2223/tcp',
      '8883/tcp',
      '3128/tcp',
      '9980/tcp',
      '9981/tcp',
      '5432/tcp',
      '67/udp',
      '68/udp',
      '22/tcp',
    ]);
  });

  it('NSG rules and nftables rules allow the same flows (HA, dedicated database, proxies, MDM)', () => {
    const sizing = { clients: 150_000, offices: 1, mobileDevices: 50 };
    // Proxies in the VNet, so both platforms build every zone.
    const azure = azureRules(
      synthDeployment('azure', sizing, {}, { officeProxies: 'vnet' }).json,
    ).filter((r) => !r.startsWith('database ssh'));
    const vms = vmsRules(synthDeployment('vms', sizing).json).filter(
      (r) => !r.startsWith('database ssh'),
    );
    // Azure's database is managed (nothing to SSH into); everything else matches rule for rule.
    expect(azure.sort()).toEqual(vms.sort());
    expect(vms).toContain('server agent-replication-from-agents 2222');
    expect(vms).toContain('server agent-replication-from-proxy 2222');
    expect(vms).toContain('database postgresql-from-server 5432');
    expect(vms).toContain('mdm mdm-enrollment-from-devices 9980');
    expect(vms.filter((r) => r.includes(' 2223'))).toEqual(['server console-api-from-admins 2223']);
    expect(vms).toContain('proxy http-proxy-from-office-agents 3128');
    // The sensors: DHCP in from their LANs, and their reports into the server's 2222.
    expect(vms).toContain('sensor dhcp-requests-from-lan 67');
    expect(vms).toContain('sensor dhcp-replies-from-lan 68');
    expect(vms).toContain('server agent-replication-from-sensor 2222');
  });

  it("on-premises office proxies: the server admits the offices' ranges, the proxies firewall themselves", () => {
    const { json, platform } = synthDeployment(
      'azure',
      { clients: 3_000, officeClients: [500] },
      { offices: [{ name: 'paris', agentCidrs: ['10.20.0.0/16'], proxyCidrs: ['10.20.9.0/24'] }] },
    );
    const server = resources(json, 'azurerm_network_security_group').find(
      (n) => n.name === 'smc-nsg-server',
    );
    const rules = server?.security_rule as { name: string; source_address_prefixes?: string[] }[];
    expect(
      rules.find((r) => r.name === 'agent-replication-from-proxy')?.source_address_prefixes,
    ).toEqual(['10.20.9.0/24']);
    expect(resources(json, 'azurerm_network_security_group').map((n) => n.name)).not.toContain(
      'smc-nsg-proxy',
    );
    const proxy = platform.cloudInitDocuments.get('smc-proxy-paris-1') ?? '';
    expect(proxy).toContain(
      'ip saddr { 10.20.0.0/16 } tcp dport 3128 accept comment "http-proxy-from-office-agents"',
    );
    expect(proxy).toContain('policy drop;');
  });

  it('narrows sources: the database only from the server and MDM zones', () => {
    const { json } = synthDeployment('azure', { clients: 20_000, mobileDevices: 10 });
    const nsg = resources(json, 'azurerm_network_security_group').find(
      (n) => n.name === 'smc-nsg-database',
    );
    const allows = (
      (nsg?.security_rule ?? []) as {
        access: string;
        source_address_prefixes: string[];
        name: string;
      }[]
    ).filter((r) => r.access === 'Allow');
    expect(allows.map((r) => [r.name, r.source_address_prefixes])).toEqual([
      ['postgresql-from-server', ['10.42.1.0/24']],
      ['postgresql-from-mdm', ['10.42.4.0/24']],
    ]);
  });

  it('admins and agents default to private ranges, never the internet', () => {
    const { json } = synthDeployment('azure', { clients: 800 }, { adminCidrs: ['203.0.113.0/24'] });
    const nsg = resources(json, 'azurerm_network_security_group').find(
      (n) => n.name === 'smc-nsg-server',
    );
    const rules = nsg?.security_rule as { name: string; source_address_prefixes?: string[] }[];
    expect(
      rules.find((r) => r.name === 'ssh-to-server-from-admins')?.source_address_prefixes,
    ).toEqual(['203.0.113.0/24']);
    expect(
      rules.find((r) => r.name === 'agent-replication-from-agents')?.source_address_prefixes,
    ).toEqual(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']);
  });
});
