import type { PolicyRule, PolicyViolation } from './rule.js';
import { hostConfigurations, resourcesOf, type TerraformJson } from './terraform-json.js';

function configurationValue(doc: TerraformJson, name: string): string | undefined {
  const setting = resourcesOf(doc, 'azurerm_postgresql_flexible_server_configuration').find(
    (c) => c.config.name === name,
  );
  return setting ? String(setting.config.value) : undefined;
}

export const DATA_RULES: readonly PolicyRule[] = [
  {
    id: 'SMC-DB-PRIVATE',
    title: 'The database is not reachable from the internet',
    covers: ['CKV_AZURE_68', 'AVD-AZU-0022'],
    platforms: ['azure', 'vms'],
    check(doc) {
      const violations: PolicyViolation[] = [];
      for (const server of resourcesOf(doc, 'azurerm_postgresql_flexible_server')) {
        if (server.config.public_network_access_enabled !== false) {
          violations.push({
            ruleId: this.id,
            path: server.path,
            message: 'public_network_access_enabled is not false',
          });
        }
        if (!server.config.delegated_subnet_id || !server.config.private_dns_zone_id) {
          violations.push({
            ruleId: this.id,
            path: server.path,
            message: 'no delegated subnet and private DNS zone',
          });
        }
      }
      for (const rule of resourcesOf(doc, 'azurerm_postgresql_flexible_server_firewall_rule')) {
        violations.push({
          ruleId: this.id,
          path: rule.path,
          message: 'firewall rules open a public endpoint',
        });
      }
      return violations;
    },
  },
  {
    id: 'SMC-DB-TLS',
    title: 'Database connections require TLS 1.2 or later',
    covers: ['AVD-AZU-0020', 'AVD-AZU-0026', 'CKV_AZURE_29'],
    platforms: ['azure', 'vms'],
    check(doc) {
      const violations: PolicyViolation[] = [];
      for (const server of resourcesOf(doc, 'azurerm_postgresql_flexible_server')) {
        if (configurationValue(doc, 'require_secure_transport') !== 'on') {
          violations.push({
            ruleId: this.id,
            path: server.path,
            message: 'require_secure_transport is not on',
          });
        }
        if (configurationValue(doc, 'ssl_min_protocol_version') !== 'TLSv1.2') {
          violations.push({
            ruleId: this.id,
            path: server.path,
            message: 'ssl_min_protocol_version is not TLSv1.2',
          });
        }
      }
      for (const host of hostConfigurations(doc)) {
        if (!host.text.includes('/etc/smc/postgresql/pg_hba.conf')) continue;
        const remotePlain = host.text
          .split('\n')
          .filter((l) => /^host\s/.test(l) && !/127\.0\.0\.1\/32/.test(l));
        if (remotePlain.length > 0 || !host.text.includes("ssl_min_protocol_version = 'TLSv1.2'")) {
          violations.push({
            ruleId: this.id,
            path: host.path,
            message: `remote logins without TLS: ${remotePlain.join('; ') || 'no TLS minimum'}`,
          });
        }
      }
      // To the end of the JSON string: an escaped quote (a Terraform expression as host) is inside it.
      for (const url of [...JSON.stringify(doc).matchAll(/postgres:\/\/(?:[^"\\]|\\.)*/g)].map(
        (m) => m[0],
      )) {
        if (!url.includes('sslmode=require') && !url.includes('sslmode=verify-full')) {
          violations.push({
            ruleId: this.id,
            path: 'connection URL',
            message: `database URL without sslmode: ${url.replace(/:[^:@/]+@/, ':***@')}`,
          });
        }
      }
      return violations;
    },
  },
  {
    id: 'SMC-DB-BACKUPS',
    title: 'Backups kept at least 7 days, geo-redundant on Azure',
    covers: ['CKV_AZURE_136'],
    platforms: ['azure', 'vms'],
    check(doc) {
      const violations: PolicyViolation[] = [];
      for (const server of resourcesOf(doc, 'azurerm_postgresql_flexible_server')) {
        if (
          !(Number(server.config.backup_retention_days) >= 7) ||
          server.config.geo_redundant_backup_enabled !== true
        ) {
          violations.push({
            ruleId: this.id,
            path: server.path,
            message: 'backups shorter than 7 days or not geo-redundant',
          });
        }
      }
      for (const host of hostConfigurations(doc)) {
        if (
          host.text.includes('/etc/smc/postgresql/smc.conf') &&
          !host.text.includes('smc-postgres-backup')
        ) {
          violations.push({
            ruleId: this.id,
            path: host.path,
            message: 'self-hosted PostgreSQL without a backup timer',
          });
        }
      }
      return violations;
    },
  },
  {
    id: 'SMC-KV-RECOVERABLE',
    title: 'Key Vault keeps deleted secrets and cannot be purged early',
    covers: ['CKV_AZURE_42', 'CKV_AZURE_110', 'AVD-AZU-0016'],
    platforms: ['azure'],
    check(doc) {
      return resourcesOf(doc, 'azurerm_key_vault')
        .filter(
          (kv) =>
            kv.config.purge_protection_enabled !== true ||
            !(Number(kv.config.soft_delete_retention_days) >= 7),
        )
        .map((kv) => ({
          ruleId: this.id,
          path: kv.path,
          message: 'purge protection or soft delete is off',
        }));
    },
  },
  {
    id: 'SMC-KV-NETWORK',
    title: 'Key Vault denies network access by default',
    covers: ['CKV_AZURE_109', 'AVD-AZU-0013'],
    platforms: ['azure'],
    check(doc) {
      return resourcesOf(doc, 'azurerm_key_vault')
        .filter(
          (kv) =>
            (kv.config.network_acls as { default_action?: string } | undefined)?.default_action !==
            'Deny',
        )
        .map((kv) => ({
          ruleId: this.id,
          path: kv.path,
          message: 'network_acls.default_action is not Deny',
        }));
    },
  },
  {
    id: 'SMC-KV-CONTENT-TYPE',
    title: 'Every Key Vault secret says what it holds',
    covers: ['CKV_AZURE_114', 'AVD-AZU-0015'],
    platforms: ['azure'],
    check(doc) {
      return resourcesOf(doc, 'azurerm_key_vault_secret')
        .filter((s) => typeof s.config.content_type !== 'string' || s.config.content_type === '')
        .map((s) => ({ ruleId: this.id, path: s.path, message: 'content_type is missing' }));
    },
  },
  {
    id: 'SMC-OUTPUTS-NO-SECRETS',
    title: 'No output carries a secret unless marked sensitive',
    covers: [
      'ours: outputs are printed by terraform apply; a sensitive one (the admin tokens) is shown only on request (terraform output -raw), and the summary says state holds it',
    ],
    platforms: ['azure', 'vms'],
    check(doc) {
      return Object.entries(doc.output ?? {})
        .filter(
          ([, output]) =>
            output.sensitive !== true &&
            /private_key|random_password|key_vault_secret|DATABASE_URL|PRIVATE KEY/.test(
              JSON.stringify(output.value),
            ),
        )
        .map(([name]) => ({
          ruleId: this.id,
          path: `output.${name}`,
          message: 'output references secret material without sensitive = true',
        }));
    },
  },
];
