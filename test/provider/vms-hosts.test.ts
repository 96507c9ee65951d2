import { TerraformStack, Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { SmcDeployment, type SmcDeploymentProps } from '../../constructs/deployment.js';
import type { OfficeProps } from '../../constructs/offices.js';
import { renderNftables } from '../../provider/host-firewall/nftables.js';
import type { FirewallRule } from '../../provider/platform.js';
import {
  isPlaceholderAddress,
  placeholderInventory,
  type VmsInventory,
  validateInventory,
} from '../../provider/vms/hosts.js';
import { VmsPlatform } from '../../provider/vms/platform.js';
import { planDeployment, type SizingInput } from '../../sizing/index.js';

function synthOn(
  hosts: VmsInventory,
  sizing: Omit<SizingInput, 'platform'>,
  offices: readonly OfficeProps[],
  extra: Partial<SmcDeploymentProps> = {},
) {
  const stack = new TerraformStack(Testing.app(), 'smc');
  const platform = new VmsPlatform(stack, 'Platform', { hosts });
  const plan = planDeployment({ ...sizing, platform: 'vms' });
  return { deployment: new SmcDeployment(stack, 'Smc', { platform, plan, offices, ...extra }) };
}

/** These cases are about proxies; sensors have hosts of their own (tested below). */
const NO_SENSORS = { rogueDetection: { sensors: 'none' as const } };

const host = { address: '10.0.0.5', sshUser: 'ops', sshPrivateKeyPath: '/home/ops/.ssh/id' };

describe('hosts file validation names the bad field', () => {
  it.each([
    [null, /^hosts: must be an object/],
    [{}, /^hosts\.server: must list at least one host/],
    [{ servers: [] }, /^hosts\.servers: is not a role/],
    [{ server: {} }, /^hosts\.server: must be an array of hosts/],
    [
      { server: [{ ...host, address: '10.0.0.300' }] },
      /^hosts\.server\[0\]\.address: must be an IPv4 address \(got "10\.0\.0\.300"\)/,
    ],
    [{ server: [{ ...host, sshUser: 'Root User' }] }, /^hosts\.server\[0\]\.sshUser:/],
    [
      { server: [{ ...host, sshPrivateKeyPath: '$HOME/key' }] },
      /^hosts\.server\[0\]\.sshPrivateKeyPath:/,
    ],
    [
      { server: [{ ...host, sshPort: 70_000 }] },
      /^hosts\.server\[0\]\.sshPort: must be an integer from 1 to 65535/,
    ],
    [
      { server: [{ ...host, password: 'x' }] },
      /^hosts\.server\[0\]\.password: is not a host field/,
    ],
    [
      { server: [host], proxy: [host] },
      /^hosts\.proxy\[0\]\.address: is already used by hosts\.server\[0\]/,
    ],
    [
      { server: [{ ...host, office: 'paris' }] },
      /^hosts\.server\[0\]\.office: applies to proxy and sensor hosts only/,
    ],
    [
      { server: [host], proxy: [{ ...host, address: '10.0.0.9', office: 'Paris HQ' }] },
      /^hosts\.proxy\[0\]\.office: must be an office name/,
    ],
  ])('%j', (raw, message) => {
    expect(() => validateInventory(raw)).toThrow(message);
  });

  it('office proxies: tagged hosts go to their office, untagged ones in office order', () => {
    const proxy = (n: number, office?: string) => ({
      ...host,
      address: `10.0.1.${n}`,
      ...(office ? { office } : {}),
    });
    const hosts = validateInventory({
      server: [host],
      proxy: [proxy(1), proxy(2, 'lyon'), proxy(3)],
    });
    const { deployment } = synthOn(
      hosts,
      { clients: 3_000, officeClients: [1_500, 100] },
      [{ name: 'paris' }, { name: 'lyon' }],
      NO_SENSORS,
    );
    expect(
      deployment.proxies.map((p) => [p.officeName, p.hosts.map((h) => h.privateAddress)]),
    ).toEqual([
      ['paris', ['10.0.1.1', '10.0.1.3']],
      ['lyon', ['10.0.1.2']],
    ]);
    expect(() =>
      synthOn(
        validateInventory({ server: [host], proxy: [proxy(2, 'lyon')] }),
        { clients: 3_000, officeClients: [1_500, 100] },
        [{ name: 'paris' }, { name: 'lyon' }],
        NO_SENSORS,
      ),
    ).toThrow(
      /^hosts\.proxy: must list a host for office paris \(its proxy 1\): tag one with "office": "paris"/,
    );
  });

  it('sensors: the main site takes the first untagged host, offices their tagged one or the next', () => {
    const sensor = (n: number, office?: string) => ({
      ...host,
      address: `10.0.2.${n}`,
      ...(office ? { office } : {}),
    });
    const proxies = [
      { ...host, address: '10.0.1.1' },
      { ...host, address: '10.0.1.2' },
    ];
    const sizing = { clients: 3_000, officeClients: [500, 100] };
    const offices = [{ name: 'paris' }, { name: 'lyon' }];
    const hosts = validateInventory({
      server: [host],
      proxy: proxies,
      sensor: [sensor(1, 'lyon'), sensor(2), sensor(3)],
    });
    const { deployment } = synthOn(hosts, sizing, offices);
    expect(
      deployment.sensors.map((s) => [s.officeName ?? 'main site', s.host.privateAddress]),
    ).toEqual([
      ['main site', '10.0.2.2'],
      ['paris', '10.0.2.3'],
      ['lyon', '10.0.2.1'],
    ]);
    expect(() =>
      synthOn(
        validateInventory({ server: [host], proxy: proxies, sensor: [sensor(1, 'lyon')] }),
        sizing,
        offices,
      ),
    ).toThrow(/^hosts\.sensor: must list a host for the Rogue Detection Sensor of the main site/);
    // The main site only: the offices' LANs need no host.
    const mainOnly = synthOn(
      validateInventory({ server: [host], proxy: proxies, sensor: [sensor(2)] }),
      sizing,
      offices,
      { rogueDetection: { sensors: 'main-site' } },
    );
    expect(mainOnly.deployment.sensors.map((s) => s.host.privateAddress)).toEqual(['10.0.2.2']);
  });

  it('accepts a valid inventory as given', () => {
    const inventory = { server: [host], mdm: [{ ...host, address: '10.0.0.6', sshPort: 2200 }] };
    expect(validateInventory(inventory)).toEqual(inventory);
  });

  it('placeholders come from the documentation ranges, in role order', () => {
    const inventory = placeholderInventory({ server: 2, database: 1, proxy: 300 });
    expect(inventory.server?.map((h) => h.address)).toEqual(['192.0.2.1', '192.0.2.2']);
    expect(inventory.proxy?.at(-1)?.address).toBe('198.51.100.49');
    expect(
      Object.values(inventory)
        .flat()
        .every((h) => h && isPlaceholderAddress(h.address)),
    ).toBe(true);
    expect(() => placeholderInventory({ proxy: 800 })).toThrow(
      /^hosts\.proxy: needs 800 placeholder addresses/,
    );
  });
});

describe('nftables per host', () => {
  const rules: FirewallRule[] = [
    {
      name: 'agent-replication-from-agents',
      port: 2222,
      protocol: 'tcp',
      to: 'server',
      from: { kind: 'cidrs', label: 'agents', cidrs: ['10.0.0.0/8'] },
      purpose: '',
    },
    {
      name: 'agent-replication-from-proxy',
      port: 2222,
      protocol: 'tcp',
      to: 'server',
      from: { kind: 'zone', zone: 'proxy' },
      purpose: '',
    },
    {
      name: 'http-proxy-from-agents',
      port: 3128,
      protocol: 'tcp',
      to: 'proxy',
      from: { kind: 'cidrs', label: 'agents', cidrs: ['10.0.0.0/8'] },
      purpose: '',
    },
  ];

  it('allows exactly the rules for its zone and drops the rest', () => {
    const text = renderNftables('smc-server-1', 'server', rules, (zone) =>
      zone === 'proxy' ? ['10.9.0.1/32'] : [],
    );
    expect(text).toContain('type filter hook input priority 0; policy drop;');
    expect(text).toContain(
      'ip saddr { 10.0.0.0/8 } tcp dport 2222 accept comment "agent-replication-from-agents"',
    );
    expect(text).toContain(
      'ip saddr { 10.9.0.1/32 } tcp dport 2222 accept comment "agent-replication-from-proxy"',
    );
    expect(text).not.toContain('3128');
    const dhcp = renderNftables(
      'smc-rd-sensor',
      'sensor',
      [
        {
          name: 'dhcp-requests-from-lan',
          port: 67,
          protocol: 'udp',
          to: 'sensor',
          from: { kind: 'cidrs', label: 'lan', cidrs: ['10.0.0.0/8', '0.0.0.0/32'] },
          purpose: '',
        },
      ],
      () => [],
    );
    expect(dhcp).toContain(
      'ip saddr { 10.0.0.0/8, 0.0.0.0/32 } udp dport 67 accept comment "dhcp-requests-from-lan"',
    );
    // Re-loading replaces the table instead of stacking rules.
    expect(text.indexOf('delete table inet smc')).toBeLessThan(text.indexOf('table inet smc {'));
  });
});
