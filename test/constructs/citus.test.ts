import { AnnotationMetadataEntryType } from 'cdktf';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { evaluatePolicy, formatViolations } from '../../constructs/policy/index.js';
import { resources, synthDeployment } from './synth-helper.js';

type Resource = Record<string, unknown>;

const citus = { database: { engine: 'citus' as const } };

function byName(json: Record<string, unknown>, type: string): Record<string, Resource> {
  return ((json.resource as Record<string, unknown>)[type] ?? {}) as Record<string, Resource>;
}

describe("Database engine 'citus' on Azure (Cosmos DB for PostgreSQL)", () => {
  const { json } = synthDeployment('azure', { clients: 1_000_000, mobileDevices: 100 }, citus);
  const [clusterName, cluster] = Object.entries(
    byName(json, 'azurerm_cosmosdb_postgresql_cluster'),
  )[0] ?? ['', {}];

  it('builds one cluster sized from the plan, no public access, password by reference; no Flexible Server', () => {
    expect(resources(json, 'azurerm_cosmosdb_postgresql_cluster')).toHaveLength(1);
    expect(resources(json, 'azurerm_postgresql_flexible_server')).toHaveLength(0);
    expect(resources(json, 'azurerm_postgresql_flexible_server_configuration')).toHaveLength(0);
    expect(cluster).toMatchObject({
      // 1,000,000 clients: ceil(1e6 / 250,000) = 4 workers; plan's 8 database cores.
      node_count: 4,
      node_vcores: 4,
      node_storage_quota_in_mb: 512 * 1024,
      coordinator_vcore_count: 8,
      coordinator_storage_quota_in_mb: 128 * 1024,
      coordinator_public_ip_access_enabled: false,
      node_public_ip_access_enabled: false,
      shards_on_coordinator_enabled: false,
      ha_enabled: true,
      sql_version: '16',
    });
    expect(String(cluster.administrator_login_password)).toMatch(/^\$\{random_password\./);
  });

  it('reaches the coordinator through a private endpoint in a subnet without delegation', () => {
    const endpoints = resources(json, 'azurerm_private_endpoint');
    expect(endpoints).toHaveLength(1);
    const endpoint = endpoints[0] as Resource;
    expect(endpoint.private_service_connection).toMatchObject({
      private_connection_resource_id: `\${azurerm_cosmosdb_postgresql_cluster.${clusterName}.id}`,
      subresource_names: ['coordinator'],
      is_manual_connection: false,
    });
    const subnetName = /^\$\{azurerm_subnet\.([^.]+)\.id\}$/.exec(String(endpoint.subnet_id))?.[1];
    const subnet = byName(json, 'azurerm_subnet')[subnetName ?? ''];
    expect(subnet?.name).toBe('smc-snet-database');
    expect(subnet?.delegation).toBeUndefined();
    expect(subnet?.private_endpoint_network_policies).toBe('NetworkSecurityGroupEnabled');
    // No subnet delegated to Flexible Server is left over.
    expect(JSON.stringify(json)).not.toContain('Microsoft.DBforPostgreSQL/flexibleServers');
  });

  it('links privatelink.postgres.cosmos.azure.com to the VNet and lets the endpoint write its record', () => {
    const zones = Object.entries(byName(json, 'azurerm_private_dns_zone')).filter(
      ([, z]) => z.name === 'privatelink.postgres.cosmos.azure.com',
    );
    expect(zones).toHaveLength(1);
    const [zoneName] = zones[0] ?? [''];
    const links = resources(json, 'azurerm_private_dns_zone_virtual_network_link').filter(
      (l) => l.private_dns_zone_name === `\${azurerm_private_dns_zone.${zoneName}.name}`,
    );
    expect(links).toHaveLength(1);
    expect(String(links[0]?.virtual_network_id)).toMatch(/^\$\{azurerm_virtual_network\./);
    const endpoint = resources(json, 'azurerm_private_endpoint')[0] as Resource;
    expect(endpoint.private_dns_zone_group).toMatchObject({
      private_dns_zone_ids: [`\${azurerm_private_dns_zone.${zoneName}.id}`],
    });
  });

  it("points the server's and MDM's DATABASE_URL at the coordinator, verify-full against the system CA bundle", () => {
    const urls = resources(json, 'azurerm_key_vault_secret')
      .map((s) => String(s.value))
      .filter((v) => v.startsWith('DATABASE_URL='));
    expect(urls.length).toBeGreaterThanOrEqual(2);
    for (const url of urls) {
      expect(url).toBe(
        `DATABASE_URL=postgres://citus:\${random_password.${/random_password\.([^.]+)\./.exec(String(cluster.administrator_login_password))?.[1]}.result}@\${[for s in azurerm_cosmosdb_postgresql_cluster.${clusterName}.servers : s.fqdn if startswith(s.fqdn, "c-")][0]}:5432/citus?sslmode=verify-full&sslrootcert=/etc/ssl/certs/ca-certificates.crt`,
      );
    }
  });

  it('passes the whole policy suite', () => {
    expect(formatViolations(evaluatePolicy(json))).toBe('');
  });
});

function warnings(root: IConstruct): string[] {
  return root.node
    .findAll()
    .flatMap((node) => node.node.metadata)
    .filter((entry) => entry.type === AnnotationMetadataEntryType.WARN)
    .map((entry) => String(entry.data));
}

describe('what synth tells the architect', () => {
  it('the sizing assumption always, and that a smaller tier does not need a cluster', () => {
    const large = warnings(synthDeployment('azure', { clients: 1_000_000 }, citus).deployment);
    expect(large.filter((w) => w.startsWith('Citus cluster (ours): 4 workers'))).toHaveLength(1);
    expect(large.some((w) => w.includes('no Citus cluster runs in'))).toBe(true);
    expect(large.some((w) => w.startsWith("engine 'citus' for"))).toBe(false);
    const small = warnings(synthDeployment('azure', { clients: 50_000 }, citus).deployment);
    expect(small).toContain(
      "engine 'citus' for 50,000 clients: one Flexible Server carries up to 100,000; the cluster costs 3 nodes",
    );
  });
});

describe('the Citus policy rules catch a broken cluster', () => {
  const synth = () => synthDeployment('azure', { clients: 200_000 }, citus).json;

  it('public access on, a firewall rule and a literal password', () => {
    const json = synth();
    const cluster = Object.values(
      byName(json, 'azurerm_cosmosdb_postgresql_cluster'),
    )[0] as Resource;
    cluster.node_public_ip_access_enabled = true;
    cluster.administrator_login_password = 'H@Sh1CoR3!';
    (json.resource as Record<string, unknown>).azurerm_cosmosdb_postgresql_firewall_rule = {
      open: { name: 'all', start_ip_address: '0.0.0.0', end_ip_address: '255.255.255.255' },
    };
    const text = formatViolations(evaluatePolicy(json));
    expect(text).toMatch(
      /SMC-CITUS-PRIVATE: azurerm_cosmosdb_postgresql_cluster\.\S+ \(smc\/Smc\/Database\/Citus\/Cluster\): node_public_ip_access_enabled is not false/,
    );
    expect(text).toContain(
      'SMC-CITUS-PRIVATE: azurerm_cosmosdb_postgresql_firewall_rule.open (no construct path): firewall rules open a public endpoint',
    );
    expect(text).toMatch(
      /SMC-DB-PASSWORD-BY-REFERENCE: .*administrator_login_password is not a reference/,
    );
  });

  it('no private endpoint, or one in a delegated subnet without the zone', () => {
    const json = synth();
    const endpoints = byName(json, 'azurerm_private_endpoint');
    const [name, endpoint] = Object.entries(endpoints)[0] ?? ['', {}];
    const subnets = byName(json, 'azurerm_subnet');
    const subnetName = /azurerm_subnet\.([^.]+)\./.exec(String(endpoint.subnet_id))?.[1] ?? '';
    (subnets[subnetName] as Resource).delegation = [
      {
        name: 'postgresql',
        service_delegation: { name: 'Microsoft.DBforPostgreSQL/flexibleServers' },
      },
    ];
    endpoint.private_dns_zone_group = undefined;
    let text = formatViolations(evaluatePolicy(json));
    expect(text).toContain(`SMC-CITUS-PRIVATE: azurerm_private_endpoint.${name}`);
    expect(text).toContain(`its subnet ${subnetName} is delegated`);
    expect(text).toContain('no private DNS zone group with privatelink.postgres.cosmos.azure.com');

    delete endpoints[name];
    text = formatViolations(evaluatePolicy(json));
    expect(text).toMatch(/SMC-CITUS-PRIVATE: .*no private endpoint for the coordinator/);
  });

  it('a coordinator URL without verify-full, and a lowered TLS minimum', () => {
    const json = synth();
    for (const secret of resources(json, 'azurerm_key_vault_secret')) {
      secret.value = String(secret.value).replace('sslmode=verify-full', 'sslmode=prefer');
    }
    (
      json.resource as Record<string, unknown>
    ).azurerm_cosmosdb_postgresql_coordinator_configuration = {
      tls: { name: 'ssl_min_protocol_version', value: 'TLSv1', cluster_id: 'x' },
    };
    const text = formatViolations(evaluatePolicy(json));
    expect(text).toMatch(/SMC-CITUS-TLS: .*database URL without sslmode=verify-full/);
    expect(text).toContain('ssl_min_protocol_version lowered to TLSv1');
    expect(text).toMatch(/SMC-DB-TLS: connection URL: database URL without sslmode/);
  });
});

describe("engine 'citus' refusals", () => {
  it('on vms: names database.engine and says what to do', () => {
    expect(() => synthDeployment('vms', { clients: 200_000 }, citus)).toThrow(
      /^database\.engine: must be 'postgresql' on vms: Citus is offered only as Azure Cosmos DB for PostgreSQL/,
    );
  });

  it('Flexible Server settings and other database names are refused by prop', () => {
    expect(() =>
      synthDeployment(
        'azure',
        { clients: 200_000 },
        { database: { engine: 'citus', skuName: 'GP_Standard_D4ds_v5' } },
      ),
    ).toThrow(/^database\.skuName: applies to Flexible Server only/);
    expect(() =>
      synthDeployment(
        'azure',
        { clients: 200_000 },
        { database: { engine: 'citus', version: '17' } },
      ),
    ).toThrow(/^database\.version: must be one of 13, 14, 15, 16 with engine 'citus'/);
    expect(() =>
      synthDeployment(
        'azure',
        { clients: 200_000 },
        { database: { engine: 'mysql' as unknown as 'citus' } },
      ),
    ).toThrow(/^database\.engine: must be 'postgresql' or 'citus'/);
  });

  it('more clients than 20 workers carry is refused naming clients', () => {
    expect(() => synthDeployment('azure', { clients: 5_000_001 }, citus)).toThrow(
      /^clients: needs 21 Citus workers/,
    );
  });
});

describe("engine 'citus' for a database past one Flexible Server", () => {
  it('synthesizes the cluster for logs one server could not hold, and passes the policy suite', () => {
    // The plan chose the engine: the deployment follows it without a database prop.
    const { json } = synthDeployment('azure', {
      clients: 3_000_000,
      logsPerClientPerDay: 200,
      databaseEngine: 'citus',
    });
    const [cluster] = resources(json, 'azurerm_cosmosdb_postgresql_cluster') as Resource[];
    // 3,000,000 / 250,000 = 12 workers; 29,884 GiB of disk over 12: 4,096 GiB each.
    expect(cluster).toMatchObject({ node_count: 12, node_storage_quota_in_mb: 4_096 * 1024 });
    expect(resources(json, 'azurerm_postgresql_flexible_server')).toHaveLength(0);
    expect(formatViolations(evaluatePolicy(json))).toBe('');
  });

  it("refuses engine 'postgresql' beside a plan that sized a cluster, naming the prop", () => {
    expect(() =>
      synthDeployment(
        'azure',
        { clients: 300_000, databaseEngine: 'citus' },
        { database: { engine: 'postgresql' } },
      ),
    ).toThrow(/database\.engine.*plan sized a Citus cluster/);
  });
});
