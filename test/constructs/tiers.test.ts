import { describe, expect, it } from 'vitest';
import { azureUserData, resources, synthDeployment, vmsScripts } from './synth-helper.js';

describe('resources and sizes follow the plan', () => {
  it('800 clients on vms: one host, PostgreSQL beside the server', () => {
    const { json } = synthDeployment('vms', { clients: 800 });
    const scripts = vmsScripts(json);
    // The server, and the main site's Rogue Detection Sensor on a host of its own.
    expect([...scripts.keys()].sort()).toEqual(['smc-rd-sensor', 'smc-server-1']);
    const server = scripts.get('smc-server-1') ?? '';
    // The distribution's PostgreSQL, whatever its major: the setup finds the cluster.
    expect(server).toContain('apt-get install -y -q nftables postgresql curl xz-utils');
    expect(server).toContain('major=$(ls -1 /etc/postgresql | sort -n | tail -1)');
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
    expect(vms.map((vm) => [vm.computer_name, vm.size]).sort()).toEqual([
      // The sensor idles: the smallest (burstable) size.
      ['smc-rd-sensor', 'Standard_B2s'],
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
    const servers = resources(json, 'azurerm_linux_virtual_machine').filter(
      (vm) => vm.computer_name !== 'smc-rd-sensor',
    );
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
      ['Tcp', 8883, 8883],
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
      'smc-rd-sensor',
      'smc-server-1',
      'smc-server-2',
    ]);
    // HAProxy sends agents to a server while its console's /healthz answers.
    expect(scripts.get('smc-lb')).toContain(
      'server smc-server-2 192.0.2.2:2222 check port 2223 check-ssl verify none',
    );
    expect(scripts.get('smc-lb')).toContain('option httpchk GET /healthz');
    expect(scripts.get('smc-db-1')).toContain('CREATE ROLE replicator REPLICATION LOGIN');
    // The standby clones the primary by name, checking its certificate against the CA.
    expect(scripts.get('smc-db-2')).toContain(
      'pg_basebackup -h smc-db-1.smc.internal -U replicator',
    );
    expect(scripts.get('smc-db-2')).toContain(
      'sslmode=verify-full sslrootcert=/var/lib/postgresql/smc-tls/ca.pem',
    );
    // 64 GiB database host: a quarter for shared buffers.
    expect(scripts.get('smc-db-1')).toContain("shared_buffers = '16384MB'");
  });

  it('offices become proxies (the plan: 2 per office of ~1,250 clients), devices an MDM host', () => {
    const proxies = ['office-1', 'office-2', 'office-3'].flatMap((o) => [
      `smc-proxy-${o}-1`,
      `smc-proxy-${o}-2`,
    ]);
    // A Rogue Detection Sensor per network: the main site and each office.
    const sensors = [
      'smc-rd-sensor',
      'smc-rd-sensor-office-1',
      'smc-rd-sensor-office-2',
      'smc-rd-sensor-office-3',
    ];
    const vms = synthDeployment('vms', { clients: 5_000, offices: 3, mobileDevices: 200 });
    expect([...vmsScripts(vms.json).keys()].sort()).toEqual(
      ['smc-mdm-1', ...proxies, ...sensors, 'smc-server-1'].sort(),
    );
    expect(vms.json.output).toHaveProperty('mdm_enrollment_url');
    // On Azure, office proxies run in the offices: cloud-init documents, no VMs in the VNet ...
    const azure = synthDeployment('azure', { clients: 5_000, offices: 3, mobileDevices: 200 });
    // (the sensors are VMs: per network, as asked; see rogueDetection.sensors 'main-site')
    expect([...azureUserData(azure.json).keys()].sort()).toEqual(
      ['smc-mdm-1', ...sensors, 'smc-server-1'].sort(),
    );
    expect([...azure.platform.cloudInitDocuments.keys()].sort()).toEqual(proxies.sort());
    // ... unless asked to build them in the VNet (offices linked by VPN).
    const inVnet = synthDeployment(
      'azure',
      { clients: 5_000, offices: 3 },
      {},
      { officeProxies: 'vnet' },
    );
    const sizes = resources(inVnet.json, 'azurerm_linux_virtual_machine')
      .filter((vm) => String(vm.computer_name).startsWith('smc-proxy'))
      .map((vm) => vm.size);
    expect(sizes).toHaveLength(6);
    expect(new Set(sizes)).toEqual(new Set(['Standard_B2s']));
  });

  it('per-office head-counts: each office gets its own proxies, sized to its agents', () => {
    const { json, deployment } = synthDeployment(
      'vms',
      { clients: 3_000, officeClients: [1_800, 200] },
      { offices: [{ name: 'paris' }, { name: 'lyon', agentCidrs: ['10.20.0.0/16'] }] },
    );
    expect(deployment.proxies.map((p) => [p.officeName, p.hosts.length])).toEqual([
      ['paris', 2],
      ['lyon', 1],
    ]);
    const scripts = vmsScripts(json);
    // 900 agents per Paris proxy, 1,125 tunnels: 18 Apache processes of 64 threads.
    expect(scripts.get('smc-proxy-paris-1')).toContain('MaxRequestWorkers 1152');
    // Lyon's proxy admits Lyon's agents only.
    expect(scripts.get('smc-proxy-lyon-1')).toContain('Require ip 10.20.0.0/16');
    expect((json.output as Record<string, { value: unknown }>).office_proxies?.value).toEqual({
      paris: ['smc-proxy-paris-1.smc.internal:3128', 'smc-proxy-paris-2.smc.internal:3128'],
      lyon: ['smc-proxy-lyon-1.smc.internal:3128'],
    });
  });

  it('outputs: agent and console URLs, SRV record, proxies; secrets only when sensitive', () => {
    const { json } = synthDeployment('vms', { clients: 3_000, offices: 1 });
    const outputs = json.output as Record<string, { value: unknown }>;
    expect(outputs.agent_url?.value).toBe('https://smc.smc.internal:2222');
    expect(outputs.console_url?.value).toBe('https://smc.smc.internal:2223');
    expect(outputs.agent_srv_record?.value).toBe('_smc-agent._tcp.smc.internal');
    // 3,000 clients over the main site and one office: 1,500 there, two proxies.
    expect(outputs.proxy_addresses?.value).toEqual([
      'smc-proxy-office-1-1.smc.internal:3128',
      'smc-proxy-office-1-2.smc.internal:3128',
    ]);
    // The first admin token reaches the architect as a sensitive output (and state holds it).
    expect(outputs.admin_token).toMatchObject({ sensitive: true });
    expect(String(outputs.admin_token?.value)).toMatch(/^\$\{random_password\./);
    for (const [name, output] of Object.entries(outputs)) {
      if (/PRIVATE KEY|random_password|private_key/.test(JSON.stringify(output.value))) {
        expect({ name, sensitive: (output as { sensitive?: boolean }).sensitive }).toEqual({
          name,
          sensitive: true,
        });
      }
    }
    expect(outputs.dns_zone_file?.value).toContain(
      '_smc-agent._tcp IN SRV 10 100 2222 smc.smc.internal.',
    );
  });
});
