import { describe, expect, it } from 'vitest';
import { azureUserData, resources, synthDeployment, vmsScripts } from './synth-helper.js';

describe('resources and sizes follow the plan', () => {
  it('800 clients on vms: one host, PostgreSQL beside the server', () => {
    const { json } = synthDeployment('vms', { clients: 800 });
    const scripts = vmsScripts(json);
    expect([...scripts.keys()]).toEqual(['smc-server-1']);
    const server = scripts.get('smc-server-1') ?? '';
    expect(server).toContain('apt-get install -y -q nftables postgresql-16');
    expect(server).toContain("listen_addresses = 'localhost'");
    // Half of the guide's 4 GiB box goes to PostgreSQL, a quarter of that to shared_buffers.
    expect(server).toContain("shared_buffers = '512MB'");
    expect(json.output).not.toHaveProperty('mdm_enrollment_url');
  });

  it('800 clients on Azure: a burstable Flexible Server and a D-series server', () => {
    const { json } = synthDeployment('azure', { clients: 800 });
    const [pg] = resources(json, 'azurerm_postgresql_flexible_server');
    expect(pg).toMatchObject({
      sku_name: 'B_Standard_B2s',
      storage_mb: 32 * 1024,
      public_network_access_enabled: false,
    });
    expect(pg).not.toHaveProperty('high_availability');
    const vms = resources(json, 'azurerm_linux_virtual_machine');
    expect(vms.map((vm) => [vm.computer_name, vm.size])).toEqual([
      ['smc-server-1', 'Standard_D2s_v5'],
    ]);
    expect(resources(json, 'azurerm_lb')).toHaveLength(0);
  });

  it('150,000 clients on Azure: HA pair behind a load balancer, memory-optimised zone-redundant database', () => {
    const { json } = synthDeployment('azure', { clients: 150_000 });
    const [pg] = resources(json, 'azurerm_postgresql_flexible_server');
    expect(pg?.sku_name).toMatch(/^MO_/);
    expect(pg?.high_availability).toEqual({
      mode: 'ZoneRedundant',
      standby_availability_zone: '2',
    });
    const servers = resources(json, 'azurerm_linux_virtual_machine');
    expect(servers.map((vm) => [vm.computer_name, vm.zone])).toEqual([
      ['smc-server-1', '1'],
      ['smc-server-2', '2'],
    ]);
    const rules = resources(json, 'azurerm_lb_rule').map((r) => [
      r.protocol,
      r.frontend_port,
      r.backend_port,
    ]);
    expect(rules).toEqual([
      ['Tcp', 2222, 2222],
      ['Tcp', 2223, 2223],
    ]);
    expect(
      resources(json, 'azurerm_network_interface_backend_address_pool_association'),
    ).toHaveLength(2);
  });

  it('150,000 clients on vms: HA pair, HAProxy, primary and streaming standby', () => {
    const { json } = synthDeployment('vms', { clients: 150_000 });
    const scripts = vmsScripts(json);
    expect([...scripts.keys()].sort()).toEqual([
      'smc-db-1',
      'smc-db-2',
      'smc-lb',
      'smc-server-1',
      'smc-server-2',
    ]);
    expect(scripts.get('smc-lb')).toContain('server smc-server-2 192.0.2.2:2222 check');
    expect(scripts.get('smc-db-1')).toContain('CREATE ROLE replicator REPLICATION LOGIN');
    expect(scripts.get('smc-db-2')).toContain('pg_basebackup -h 192.0.2.3 -U replicator');
    // 64 GiB database host: a quarter for shared buffers.
    expect(scripts.get('smc-db-1')).toContain("shared_buffers = '16384MB'");
  });

  it('offices become proxies (the plan: 2 per office of ~1,250 clients), devices an MDM host', () => {
    const expected = [
      'smc-mdm-1',
      ...[1, 2, 3, 4, 5, 6].map((i) => `smc-proxy-${i}`),
      'smc-server-1',
    ].sort();
    const azure = synthDeployment('azure', { clients: 5_000, offices: 3, mobileDevices: 200 });
    expect([...azureUserData(azure.json).keys()].sort()).toEqual(expected);
    const sizes = resources(azure.json, 'azurerm_linux_virtual_machine')
      .filter((vm) => String(vm.computer_name).startsWith('smc-proxy'))
      .map((vm) => vm.size);
    expect(new Set(sizes)).toEqual(new Set(['Standard_B2s']));
    const vms = synthDeployment('vms', { clients: 5_000, offices: 3, mobileDevices: 200 });
    expect([...vmsScripts(vms.json).keys()].sort()).toEqual(expected);
    expect(vms.json.output).toHaveProperty('mdm_enrollment_url');
  });

  it('outputs: agent and console URLs, SRV record, proxies; no secrets', () => {
    const { json } = synthDeployment('vms', { clients: 3_000, offices: 1 });
    const outputs = json.output as Record<string, { value: unknown }>;
    expect(outputs.agent_url?.value).toBe('https://smc.smc.internal:2222');
    expect(outputs.console_url?.value).toBe('https://smc.smc.internal:2223');
    expect(outputs.agent_srv_record?.value).toBe('_smc-agent._tcp.smc.internal');
    // 3,000 clients over the main site and one office: 1,500 there, two proxies.
    expect(outputs.proxy_addresses?.value).toEqual([
      'smc-proxy-1.smc.internal:3128',
      'smc-proxy-2.smc.internal:3128',
    ]);
    expect(outputs.dns_zone_file?.value).toContain(
      '_smc-agent._tcp IN SRV 10 100 2222 smc.smc.internal.',
    );
  });
});
