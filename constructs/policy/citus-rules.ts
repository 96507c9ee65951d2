import type { PolicyRule, PolicyViolation } from './rule.js';
import { type ResourceRef, resourcesOf, type TerraformJson } from './terraform-json.js';

/** Azure's private DNS zone for Cosmos DB for PostgreSQL endpoints. */
const CITUS_ZONE = 'privatelink.postgres.cosmos.azure.com';

/** The `${type.name.attr}` reference Terraform JSON uses for another resource's attribute. */
const ref = (type: string, name: string, attribute: string) => `\${${type}.${name}.${attribute}}`;

/** The resource a `${type.name.attr}` reference points at, if it is of `type`. */
function referenced(doc: TerraformJson, type: string, value: unknown): ResourceRef | undefined {
  const match = new RegExp(`^\\$\\{${type}\\.([^.}]+)\\.`).exec(String(value ?? ''));
  return match ? resourcesOf(doc, type).find((r) => r.name === match[1]) : undefined;
}

/** The coordinator's private endpoints: those connecting to this cluster's `coordinator`. */
function coordinatorEndpoints(doc: TerraformJson, cluster: ResourceRef): ResourceRef[] {
  const clusterId = ref(cluster.type, cluster.name, 'id');
  return resourcesOf(doc, 'azurerm_private_endpoint').filter((endpoint) => {
    const connection = endpoint.config.private_service_connection as
      | { private_connection_resource_id?: string; subresource_names?: string[] }
      | undefined;
    return (
      connection?.private_connection_resource_id === clusterId &&
      (connection.subresource_names ?? []).includes('coordinator')
    );
  });
}

function endpointProblems(doc: TerraformJson, endpoint: ResourceRef): string[] {
  const problems: string[] = [];
  const subnet = referenced(doc, 'azurerm_subnet', endpoint.config.subnet_id);
  if (!subnet) problems.push('its subnet is not a subnet of this configuration');
  else if (Array.isArray(subnet.config.delegation) && subnet.config.delegation.length > 0)
    problems.push(`its subnet ${subnet.name} is delegated (a private endpoint cannot live there)`);
  const group = endpoint.config.private_dns_zone_group as
    | { private_dns_zone_ids?: string[] }
    | undefined;
  const zones = (group?.private_dns_zone_ids ?? [])
    .map((id) => referenced(doc, 'azurerm_private_dns_zone', id))
    .filter((zone) => zone?.config.name === CITUS_ZONE);
  const zone = zones[0];
  if (!zone) {
    problems.push(`no private DNS zone group with ${CITUS_ZONE}`);
  } else {
    const zoneName = ref(zone.type, zone.name, 'name');
    const linked = resourcesOf(doc, 'azurerm_private_dns_zone_virtual_network_link').some(
      (link) => link.config.private_dns_zone_name === zoneName,
    );
    if (!linked) problems.push(`${CITUS_ZONE} is not linked to the VNet`);
  }
  return problems;
}

/** Every `postgres://` URL in the document that names this cluster's servers. */
function urlsTo(doc: TerraformJson, cluster: ResourceRef): string[] {
  const servers = `${cluster.type}.${cluster.name}.servers`;
  return [...JSON.stringify(doc).matchAll(/postgres:\/\/(?:[^"\\]|\\.)*/g)]
    .map((m) => m[0])
    .filter((url) => url.includes(servers));
}

/** A password given by reference to a generated secret (random_password) or Key Vault, never as text. */
const BY_REFERENCE =
  /^\$\{(random_password\.|data\.azurerm_key_vault_secret\.|azurerm_key_vault_secret\.)/;

export const CITUS_RULES: readonly PolicyRule[] = [
  {
    id: 'SMC-CITUS-PRIVATE',
    title:
      'A Citus cluster has no public access and is reached by a private endpoint in a non-delegated subnet, resolved by its linked private zone',
    covers: [
      'AVD-AZU-0022',
      'ours: Cosmos DB for PostgreSQL has public access per node; a private endpoint plus privatelink.postgres.cosmos.azure.com is its only private path',
    ],
    platforms: ['azure'],
    check(doc) {
      const violations: PolicyViolation[] = [];
      const flag = (path: string, message: string) =>
        violations.push({ ruleId: this.id, path, message });
      for (const cluster of resourcesOf(doc, 'azurerm_cosmosdb_postgresql_cluster')) {
        for (const field of [
          'coordinator_public_ip_access_enabled',
          'node_public_ip_access_enabled',
        ]) {
          if (cluster.config[field] !== false) flag(cluster.path, `${field} is not false`);
        }
        const endpoints = coordinatorEndpoints(doc, cluster);
        if (endpoints.length === 0) flag(cluster.path, 'no private endpoint for the coordinator');
        for (const endpoint of endpoints) {
          for (const problem of endpointProblems(doc, endpoint)) flag(endpoint.path, problem);
        }
      }
      for (const rule of resourcesOf(doc, 'azurerm_cosmosdb_postgresql_firewall_rule')) {
        flag(rule.path, 'firewall rules open a public endpoint');
      }
      return violations;
    },
  },
  {
    id: 'SMC-CITUS-TLS',
    title:
      "Clients reach the Citus coordinator with TLS verify-full, and nothing lowers the service's TLS 1.2 minimum",
    covers: ['AVD-AZU-0020', 'CKV_AZURE_29'],
    platforms: ['azure'],
    check(doc) {
      const violations: PolicyViolation[] = [];
      for (const cluster of resourcesOf(doc, 'azurerm_cosmosdb_postgresql_cluster')) {
        const urls = urlsTo(doc, cluster);
        if (urls.length === 0) {
          violations.push({
            ruleId: this.id,
            path: cluster.path,
            message: 'no database URL names the coordinator',
          });
        }
        for (const url of urls.filter((u) => !u.includes('sslmode=verify-full'))) {
          violations.push({
            ruleId: this.id,
            path: cluster.path,
            message: `database URL without sslmode=verify-full: ${url.replace(/:[^:@/]+@/, ':***@')}`,
          });
        }
      }
      for (const type of [
        'azurerm_cosmosdb_postgresql_coordinator_configuration',
        'azurerm_cosmosdb_postgresql_node_configuration',
      ]) {
        for (const setting of resourcesOf(doc, type)) {
          if (
            setting.config.name === 'ssl_min_protocol_version' &&
            !['TLSv1.2', 'TLSv1.3'].includes(String(setting.config.value))
          ) {
            violations.push({
              ruleId: this.id,
              path: setting.path,
              message: `ssl_min_protocol_version lowered to ${String(setting.config.value)}`,
            });
          }
        }
      }
      return violations;
    },
  },
  {
    id: 'SMC-DB-PASSWORD-BY-REFERENCE',
    title: 'Managed database passwords are generated secrets, never text in the configuration',
    covers: [
      'ours: a literal administrator password would sit in the repository and every plan output',
    ],
    platforms: ['azure'],
    check(doc) {
      const fields: readonly [string, string][] = [
        ['azurerm_postgresql_flexible_server', 'administrator_password'],
        ['azurerm_cosmosdb_postgresql_cluster', 'administrator_login_password'],
      ];
      return fields.flatMap(([type, field]) =>
        resourcesOf(doc, type)
          .filter((r) => !BY_REFERENCE.test(String(r.config[field] ?? '')))
          .map((r) => ({
            ruleId: this.id,
            path: r.path,
            message: `${field} is not a reference to random_password or Key Vault`,
          })),
      );
    },
  },
];
