import { describe, expect, it } from 'vitest';
import { renderNftables } from '../../provider/host-firewall/nftables.js';
import type { FirewallRule } from '../../provider/platform.js';
import {
  isPlaceholderAddress,
  placeholderInventory,
  validateInventory,
} from '../../provider/vms/hosts.js';

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
  ])('%j', (raw, message) => {
    expect(() => validateInventory(raw)).toThrow(message);
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
    // Re-loading replaces the table instead of stacking rules.
    expect(text.indexOf('delete table inet smc')).toBeLessThan(text.indexOf('table inet smc {'));
  });
});
