import type { PolicyRule, PolicyViolation } from './rule.js';
import { resourcesOf } from './terraform-json.js';

/** Variables that carry a secret into a container (the enrollment token, SAS tokens). */
const SECRET_VARIABLE = /TOKEN|SAS|PASSWORD|SECRET|KEY/i;
/** A PEM or a token-looking literal: what a secret by reference never shows. */
const SECRET_TEXT = /-----BEGIN [A-Z ]+-----/;
const REFERENCE = /^(\$\{[^}]+\})+$/;

interface K8sEnv {
  readonly name?: string;
  readonly value?: string;
  readonly value_from?: unknown;
}

/**
 * Rules for the containers smc-kit runs (the load generator's Kubernetes Job and Azure
 * container groups) and the storage their reports go to.
 */
export const WORKLOAD_RULES: readonly PolicyRule[] = [
  {
    id: 'SMC-CONTAINER-SECRETS-BY-REFERENCE',
    title: 'Container secrets come from a secret store, never from plain text in the manifest',
    covers: ['CKV_K8S_35', 'CKV_AZURE_235', 'AVD-KSV-0109'],
    platforms: ['azure', 'kubernetes'],
    check(doc) {
      const violations: PolicyViolation[] = [];
      const flag = (path: string, message: string) =>
        violations.push({ ruleId: this.id, path, message });
      for (const job of resourcesOf(doc, 'kubernetes_job_v1')) {
        const text = JSON.stringify(job.config);
        if (SECRET_TEXT.test(text)) flag(job.path, 'a PEM block in the manifest');
        const containers = ((job.config.spec as { template?: { spec?: { container?: unknown[] } } })
          ?.template?.spec?.container ?? []) as { env?: K8sEnv[] }[];
        for (const env of containers.flatMap((c) => c.env ?? [])) {
          if (env.name && SECRET_VARIABLE.test(env.name) && env.value !== undefined) {
            flag(job.path, `${env.name} is a literal value, not a secretKeyRef`);
          }
        }
      }
      for (const group of resourcesOf(doc, 'azurerm_container_group')) {
        if (SECRET_TEXT.test(JSON.stringify(group.config))) {
          flag(group.path, 'a PEM block in the manifest');
        }
        const containers = (group.config.container ?? []) as {
          environment_variables?: Record<string, string>;
          secure_environment_variables?: Record<string, string>;
          volume?: { secret?: Record<string, string> }[];
        }[];
        for (const container of containers) {
          for (const name of Object.keys(container.environment_variables ?? {})) {
            if (SECRET_VARIABLE.test(name)) {
              flag(group.path, `${name} is a plain environment variable, not a secure one`);
            }
          }
          const referenced = [
            ...Object.entries(container.secure_environment_variables ?? {}),
            ...(container.volume ?? []).flatMap((v) => Object.entries(v.secret ?? {})),
          ];
          for (const [name, value] of referenced) {
            if (!REFERENCE.test(value)) {
              flag(group.path, `${name} holds a literal, not a reference to Key Vault or state`);
            }
          }
        }
      }
      return violations;
    },
  },
  {
    id: 'SMC-STORAGE-PRIVATE-TLS',
    title: 'Storage takes HTTPS with TLS 1.2+ only and exposes no public blobs',
    covers: [
      'CKV_AZURE_3',
      'CKV_AZURE_44',
      'CKV_AZURE_190',
      'CKV_AZURE_34',
      'AVD-AZU-0008',
      'AVD-AZU-0011',
      'AVD-AZU-0007',
    ],
    platforms: ['azure'],
    check(doc) {
      const violations: PolicyViolation[] = [];
      for (const account of resourcesOf(doc, 'azurerm_storage_account')) {
        const c = account.config;
        if (c.min_tls_version !== 'TLS1_2') {
          violations.push({
            ruleId: this.id,
            path: account.path,
            message: 'min_tls_version is not TLS1_2',
          });
        }
        if (c.https_traffic_only_enabled !== true) {
          violations.push({
            ruleId: this.id,
            path: account.path,
            message: 'https_traffic_only_enabled is not true',
          });
        }
        if (c.allow_nested_items_to_be_public !== false) {
          violations.push({
            ruleId: this.id,
            path: account.path,
            message: 'allow_nested_items_to_be_public is not false',
          });
        }
      }
      for (const container of resourcesOf(doc, 'azurerm_storage_container')) {
        if (container.config.container_access_type !== 'private') {
          violations.push({
            ruleId: this.id,
            path: container.path,
            message: 'container_access_type is not private',
          });
        }
      }
      return violations;
    },
  },
];
